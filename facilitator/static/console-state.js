// What the console's modules share: the connection, the room, the latest view and counts, and
// commands whose errors appear beside the control that sent them (not at the top of the page).
import { t } from "/static/shared/i18n.js";
import { h, oneAtATime } from "/static/shared/dom.js";

export const ROOM_KEY = "hearth.console";
export const HOST_KEY = "hearth.host";

export const state = {
  conn: null,
  view: null,
  room: null, // {code, key, displayKey (the console that made the room), seat: "lead" | "co"}
  progress: { connected: 0, activity: null, answered: 0, passed: null, pauses: 0, words: 0, cofacilitators: 0, displays: 0, preview: null },
};

// The facilitator's console, or a co-facilitator's: the server lets a co-facilitator push
// grounding, bring back what it set aside, work the queue, the released pages and the timer,
// and nothing else (server/wire/protocol.py COFACILITATOR_TYPES), so its console offers no more.
export const isLead = () => state.room?.seat !== "co";

// What the facilitator's console makes display links with: the display credential when this
// tab made the room, else the facilitator's own (the server then hands the display the
// credential that goes with it; server/http/ticket_routes.py).
export const displayCredential = () => state.room.displayKey || state.room.key;

// `hearth link` as it must be typed on the computer running Hearth: with --port (or --url) when
// this server is not where `hearth link` looks by default. The console's page says which
// (facilitator/templates/console.html, by the rule of server/cli.py link_options).
export function linkCommand(room = null) {
  const app = document.querySelector("#app")?.dataset ?? {};
  const program = app.linkProgram || "hearth"; // a checkout's .venv/bin/hearth when not on the PATH
  return [`${program} link`, room ? `--room ${room}` : "", app.linkOptions ?? ""].filter(Boolean).join(" ");
}

// A sentence with "{command}" in it, the command set as code: left to right in a right-to-left
// page too, and broken only between its parts ("hearth link", "--room CODE", "--port 8011"),
// never after a dash ("--" at a line's end, "port 8011" on the next).
export function withCommand(sentence, command) {
  // A checkout's program is a long path ("/home/…/.venv/bin/hearth link"): it may break after a "/".
  const unbroken = (part) => (part.includes("/")
    ? h("span", { class: "path" }, part.split(/(?<=\/)/).flatMap((bit) => [bit, h("wbr")]))
    : h("span", { class: "unbroken", text: part }));
  const code = () => h("code", { dir: "ltr" }, command.split(/ (?=--)/).flatMap((part, i) => [i ? " " : null, unbroken(part)]));
  return sentence.split("{command}").flatMap((part, i) => (i ? [code(), part] : [part]));
}

export function load(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key));
  } catch {
    return null;
  }
}

// The error line that belongs to a control: right after its row (or the control itself).
function errorBox(origin) {
  const host = origin.closest(".row, form, .bar-group") ?? origin;
  const next = host.nextElementSibling;
  if (next?.classList.contains("inline-error")) return next;
  const box = h("p", { class: "inline-error", role: "alert" });
  host.after(box);
  return box;
}

// The connection's own failures: nothing was sent, or it dropped before an answer came.
const CONNECTION_FAILURES = new Set(["offline", "disconnected", "stopped"]);
export const connectionFailed = (error) => CONNECTION_FAILURES.has(error?.code);

// `connection`: the error is the connection's, said about a moment that passes once the
// console is back (clearConnectionErrors), when the view shows what is true again.
export function showError(origin, text, { connection = false } = {}) {
  if (origin?.isConnected) {
    const box = errorBox(origin);
    box.textContent = text;
    box.toggleAttribute("data-connection", connection);
  } else {
    document.querySelector("#feedback")?.replaceChildren(text);
  }
}

export function clearConnectionErrors() {
  for (const box of document.querySelectorAll(".inline-error[data-connection]")) box.remove();
}

export function clearError(origin) {
  const host = origin?.closest(".row, form, .bar-group") ?? origin;
  const next = host?.nextElementSibling;
  if (next?.classList.contains("inline-error")) next.remove();
}

// Once something works, no error said earlier stays on screen, beside that control or any
// other: it would be about a moment that has passed.
export function clearErrors() {
  for (const box of document.querySelectorAll(".inline-error")) box.remove();
  for (const field of document.querySelectorAll("#app [aria-invalid]")) field.removeAttribute("aria-invalid");
}

// The limits the server holds these numbers to (server/wire/commands.py), checked here first:
// the forms are novalidate, so what is wrong is said in the console's language, not in a
// browser's bubble in the browser's.
const LIMITS = { k: [3, 50], cap: [1, 10000], timer: [1, 3600], paper: [0, 1000] };

// A whole number within `key`'s limits, or null.
function withinLimits(text, key) {
  const [low, high] = LIMITS[key];
  const value = Number(text);
  return text.trim() !== "" && Number.isInteger(value) && value >= low && value <= high ? value : null;
}

// The inputs' whole numbers; or, when one is not within `key`'s limits, null, with it marked
// and focused and `say` (beside the form, by default) saying what to type.
export function wholeNumbers(form, inputs, key, say = (text) => showError(form, text)) {
  const values = inputs.map((input) => withinLimits(input.value, key));
  inputs.forEach((input, i) => input.setAttribute("aria-invalid", String(values[i] === null)));
  const wrong = values.indexOf(null);
  if (wrong < 0) return values;
  const [low, high] = LIMITS[key];
  say(t("Type a whole number from {low} to {high}.", { low, high }));
  inputs[wrong].focus();
  return null;
}

// Send a command; on failure say why beside `origin`. Resolves with the ack or null.
export async function act(origin, message) {
  try {
    const ack = await state.conn.request(message);
    clearErrors();
    return ack;
  } catch (error) {
    showError(origin, error.message || t("That did not work."), { connection: connectionFailed(error) });
    return null;
  }
}

// A button that sends `message` (an object, or a function returning one) when pressed; while
// the console is not connected it looks as if it waits (console.css body.offline .command).
export function commandButton(label, message, cls = "", attrs = {}, options = {}) {
  const el = button(label, () => act(el, typeof message === "function" ? message() : message), cls ? `command ${cls}` : "command", attrs, options);
  return el;
}

// A button of the console: a press while what the last one started is still on its way is
// let go, since a double click (or a key pressed twice) would do it again: a second command was
// refused ("already closed") or took a second step (a second check-in over the first), a second
// link replaced the first. So is the second click of a double click that comes after the reply
// redrew the button (event.detail counts the clicks): Approve pressed twice approved and took it
// back. `repeatable` buttons count every press (+1 min).
export function button(label, onclick, cls = "", attrs = {}, { repeatable = false } = {}) {
  const once = oneAtATime(onclick);
  return h("button", { type: "button", class: cls, text: label, onclick: repeatable ? onclick : (event) => (event?.detail > 1 ? false : once(event)), ...attrs });
}

// A line saying what was just done, with Undo, for a while: longer while the pointer or the
// keyboard is on it, so it never goes from under a hand reaching for it. `expired` runs once
// it has gone.
export function undoLine(text, undo, expired, ms = 10000) {
  let timer = null;
  const line = h("p", { class: "undo-note row", role: "status" }, h("span", { id: "undo-text", text }),
    button(t("Undo"), () => { clearTimeout(timer); undo(); }, "secondary small", { "aria-describedby": "undo-text" }));
  const wait = (after) => {
    timer = setTimeout(() => {
      if (line.matches(":hover, :focus-within")) return wait(ms / 2);
      line.remove(); // the rest of the page stays as it is, and any focus in it
      expired();
    }, after);
  };
  wait(ms);
  return line;
}
