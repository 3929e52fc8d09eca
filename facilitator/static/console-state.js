// What the console's modules share: the connection, the room, the latest view and counts, and
// commands whose errors appear beside the control that sent them (not at the top of the page).
import { t } from "/static/shared/i18n.js";
import { h } from "/static/shared/dom.js";

export const ROOM_KEY = "hearth.console";
export const HOST_KEY = "hearth.host";

export const state = {
  conn: null,
  view: null,
  room: null, // {code, key, displayKey (the console that made the room), seat: "lead" | "co"}
  progress: { connected: 0, activity: null, answered: 0, passed: null, pauses: 0, words: 0, cofacilitators: 0, preview: null },
};

// The facilitator's console, or a co-facilitator's: the server lets a co-facilitator push
// grounding, bring back what it set aside, work the queue, the released pages and the timer,
// and nothing else (server/wire/protocol.py COFACILITATOR_TYPES), so its console offers no more.
export const isLead = () => state.room?.seat !== "co";

// What the facilitator's console makes display links with: the display credential when this
// tab made the room, else the facilitator's own (the server then hands the display the
// credential that goes with it; server/http/ticket_routes.py).
export const displayCredential = () => state.room.displayKey || state.room.key;

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

export function showError(origin, text) {
  if (origin?.isConnected) errorBox(origin).textContent = text;
  else document.querySelector("#feedback")?.replaceChildren(text);
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

// Send a command; on failure say why beside `origin`. Resolves with the ack or null.
export async function act(origin, message) {
  try {
    const ack = await state.conn.request(message);
    clearErrors();
    return ack;
  } catch (error) {
    showError(origin, error.message || t("That did not work."));
    return null;
  }
}

// A button that sends `message` (an object, or a function returning one) when pressed.
export function commandButton(label, message, cls = "", attrs = {}) {
  const el = h("button", {
    type: "button", class: cls, text: label, ...attrs,
    onclick: () => act(el, typeof message === "function" ? message() : message),
  });
  return el;
}

export function button(label, onclick, cls = "", attrs = {}) {
  return h("button", { type: "button", class: cls, text: label, onclick, ...attrs });
}
