// The facilitator console, start-up: create a room (or take one a link hands over), connect,
// and build the cockpit (cockpit.js); the end of a session shows its erasure receipt.
import { Connection, redeemTicket } from "/static/shared/connection.js";
import { REPLACED } from "/static/shared/protocol.js";
import { $, h, oneAtATime, replace, takeFragment } from "/static/shared/dom.js";
import { forScreen, language, languages, load as loadLanguage, plural, remember, t, translateMarkup } from "/static/shared/i18n.js";
import { activityForm } from "./activity-form.js";
import { buildCockpit, closePanel, renderAll, renderCounts, resetCockpit, showPanel, showQueue } from "./cockpit.js";
import { act, button, clearConnectionErrors, clearErrors, displayCredential, HOST_KEY, isLead, load, ROOM_KEY, showError, state, wholeNumbers } from "./console-state.js";
import { linkNeeded, lostRoomSteps, replacedConsole, spentLink, startElsewhere } from "./help.js";
import { tickClock } from "./live.js";
import { opener } from "./move-on.js";
import { escapeClosesPanel } from "./panels.js";
import { PlanPanel } from "./plan.js";
import { shownActivity } from "./plan-words.js";
import { RunSheetSync } from "./runsheet-sync.js";
import { RunSheetView } from "./runsheet-view.js";
import { WeeksPanel } from "./weeks.js";
import "./limits.js";

const app = $("#app");
const net = $("#net");
let plan = null;
let weeks = null;
let runsheet = null;

function startScreen(message = "") {
  document.body.classList.remove("running");
  const secret = sessionStorage.getItem(HOST_KEY);
  if (!secret) {
    replace(app, linkNeeded());
    return;
  }
  const k = h("input", { id: "start-k", type: "number", min: "3", max: "50", value: "5", "aria-describedby": "start-k-hint" });
  const error = h("p", { class: "error", role: "alert", text: message });
  const form = h(
    "form",
    {
      class: "card start",
      novalidate: true, // k is checked here, in the console's language, not the browser's
      onsubmit: (event) => { event.preventDefault(); create(); }, // one room for a double click
    },
    h("h1", { text: t("Start a session") }),
    h("p", { text: t("A room lives until you end it (or it sits idle for hours). Ending deletes every answer and shows you a receipt.") }),
    h("p", { class: "field" }, h("label", { for: "start-k", text: t("Minimum answers before any result shows (k)") }), k),
    h("p", { id: "start-k-hint", class: "hint", text: t("At least 3. Smaller groups are easier to read, so results wait for k answers.") }),
    error,
    h("button", { type: "submit", text: t("Create a room") }),
  );
  const create = oneAtATime(async () => {
    error.textContent = "";
    const [value] = wholeNumbers(form, [k], "k", (text) => { error.textContent = text; }) ?? [];
    if (value === undefined) return;
    const response = await fetch("/api/rooms", {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ k: value }),
    });
    if (response.status === 401) { // Hearth was restarted with a new host secret
      sessionStorage.removeItem(HOST_KEY);
      replace(app, linkNeeded(t("Hearth was restarted since this tab opened its link, so it needs a new one.")));
      return;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      error.textContent = body.message || t("Could not create a room.");
      return;
    }
    const made = await response.json();
    state.room = { code: made.code, key: made.facilitator_credential, displayKey: made.display_credential };
    sessionStorage.setItem(ROOM_KEY, JSON.stringify(state.room));
    connect();
  });
  replace(app, form);
}

// Each display window gets its own one-time ticket, so its link carries no credential. A
// console without the display credential (one that came back through `hearth link --room`, or
// opened from a console link) makes it with the facilitator's.
async function openDisplay(event) {
  const origin = event?.currentTarget;
  const response = await fetch("/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role: "display", code: state.room.code, credential: displayCredential() }),
  }).catch(() => null);
  const body = await response?.json().catch(() => ({}));
  if (!response?.ok) { // never a credential in a URL: no ticket, no window
    showError(origin, body?.message || t("Could not make a link."));
    return;
  }
  clearErrors();
  // Its own window (not a tab), ready to drag onto the projector.
  window.open(`/display#ticket=${encodeURIComponent(body.ticket)}`, "_blank", "noopener,popup");
}

function cockpit() {
  const request = (message) => state.conn.request(message);
  const open = opener(request, showQueue); // asks first over unread written answers (move-on.js)
  const auth = () => ({ Authorization: `Bearer ${state.room.key}`, "X-Hearth-Room": state.room.code });
  const form = activityForm(async (definition) => {
    if (!(await open(definition))) return false; // stayed: the form keeps what was typed
    closePanel("activity"); // back to the live activity it opened
    return true;
  }, (definition) => plan.add(definition));
  // A co-facilitator reads the facilitator's run-sheet (runsheet-view.js): only the facilitator
  // steps through it or changes it, and only the facilitator's console sends it to the room.
  plan = isLead()
    ? new PlanPanel({
        open,
        auth,
        // in the form's panel (opened if shut), in this console's language
        edit: (def, index, onSave) => { showPanel("activity"); form.load(shownActivity(def), index, onSave); },
        // Kept with the room too, so a console that comes back (or a co-facilitator) finds it.
        changed: (kept) => {
          const { id: _id, minutes: _minutes, ...planOnly } = kept.plan ?? {};
          if (state.conn) runsheet.push(kept.plan ? planOnly : null, kept.index);
        },
        useCard: (card) => request({ type: "support", ...card }).catch(() => {}),
      })
    : new RunSheetView();
  runsheet = isLead() ? new RunSheetSync(() => state.conn, (error) => plan.kept(error)) : null;
  weeks = new WeeksPanel({ request, command: (message, origin) => act(origin, message), auth, k: () => state.view?.room.k ?? 5 });
  resetCockpit();
  document.body.classList.add("running");
  buildCockpit({ app, form, plan, weeks: isLead() ? weeks : null, openDisplay });
  renderCounts();
}

function receipt(ended) {
  document.body.classList.remove("running");
  sessionStorage.removeItem(ROOM_KEY);
  const r = ended.receipt;
  replace(
    app,
    h(
      "section",
      { class: "card receipt", "aria-labelledby": "receipt-heading" },
      h("h1", { id: "receipt-heading", tabindex: "-1", text: t("The session has ended") }),
      r
        ? h("p", { id: "receipt", text: plural("Erasure receipt: {n} key deleted; a fresh scan found {left} left. Checked at {time}.", "Erasure receipt: {n} keys deleted; a fresh scan found {left} left. Checked at {time}.", r.deleted, { left: r.remaining, time: new Date(r.scanned_at).toLocaleTimeString(language()) }) })
        : h("p", { text: {
            lost: t("The server lost this room (its store was reset or could not be reached), so it could not go on."),
            abandoned: t("No facilitator console came back in time, so the room ended by itself and was erased."),
            ended: t("The facilitator ended the session; every answer and key of the room was deleted."),
          }[ended.reason] ?? t("The room had been idle too long and expired; its keys expired with it.") }),
      r ? h("p", { text: r.remaining === 0 ? t("Phones and the display were told. Answers are deleted; nothing of this room remains on the server.") : t("Some keys were still found: tell whoever runs this server.") }) : null,
      ended.reason === "lost" ? lostRoomSteps() : null,
      sessionStorage.getItem(HOST_KEY) ? button(t("Start another session"), () => startScreen()) : ended.reason !== "lost" && isLead() ? startElsewhere() : null,
    ),
  );
  $("#receipt-heading").focus();
}

// "The server cannot reach its session store" stays until a view comes through the store again
// (the server has every screen reconnect once it is back), not for the rest of the session.
let storeAway = false;
function storeBack() {
  if (!storeAway) return;
  storeAway = false;
  $("#feedback")?.replaceChildren();
}

function connect() {
  cockpit();
  const room = state.room;
  state.conn = new Connection({
    role: room.seat === "co" ? "cofacilitator" : "facilitator",
    code: room.code,
    credential: room.key,
    lang: language,
    handlers: {
      status(status) {
        net.textContent = { reconnecting: t("Reconnecting… What you press now is not sent."), connecting: t("Connecting…") }[status] ?? "";
        // Commands are never kept to send later (connection.js): buttons look as if they wait,
        // and once back, "not sent" lines go (the view shows what did happen).
        document.body.classList.toggle("offline", status === "reconnecting" || status === "connecting");
        if (status === "live") clearConnectionErrors();
      },
      view(next, changes) {
        state.view = next;
        storeBack();
        if (!isLead()) {
          if (!changes || "runsheet" in changes) plan.mirror(next.runsheet);
        } else if (!changes) {
          if (next.runsheet && !plan.plan) plan.restore(next.runsheet);
          runsheet.reconnected();
        }
        weeks.update(next.trend ?? null, !!next.activity);
        renderAll(changes ? Object.keys(changes) : null);
        renderCounts();
      },
      progress(message) {
        state.progress = message;
        renderCounts();
      },
      ended: receipt,
      rejected(code, error, reason) {
        sessionStorage.removeItem(ROOM_KEY);
        if (code === 4401 && reason === REPLACED) {
          document.body.classList.remove("running");
          replace(app, replacedConsole(room.seat, room.code));
          return;
        }
        startScreen(error?.message || t("That room is no longer running."));
      },
      error(message) {
        $("#feedback")?.replaceChildren(message.message);
        storeAway = message.code === "unavailable";
      },
    },
  });
  state.conn.start();
}

// A console opened from a link keeps the credential it was given, nothing older: a display
// credential kept from before may have been replaced since (displayCredential()).
function keepRoom(code, key, seat = "lead") {
  sessionStorage.setItem(ROOM_KEY, JSON.stringify({ code, key, seat }));
}

// Spend a link's ticket and keep what it grants in this tab; false when it no longer works.
async function takeTicket(ticket) {
  try {
    const grant = await redeemTicket(ticket);
    if (grant.kind === "host") sessionStorage.setItem(HOST_KEY, grant.credential);
    else if (grant.kind === "facilitator") keepRoom(grant.code, grant.credential);
    else if (grant.kind === "cofacilitator") keepRoom(grant.code, grant.credential, "co");
    return true;
  } catch {
    return false;
  }
}

function spentLinkScreen() {
  document.body.classList.remove("running");
  replace(app, spentLink());
}

// What this tab holds now: its room (connected), else the start screen.
function resume() {
  state.room = load(ROOM_KEY);
  if (state.room) connect();
  else startScreen();
}

async function start(params) {
  const ticket = params.get("ticket");
  if (ticket && !(await takeTicket(ticket)) && !sessionStorage.getItem(HOST_KEY) && !load(ROOM_KEY)) {
    spentLinkScreen();
    return;
  }
  resume();
}

// A link pasted into this tab's address bar changes only what follows "#": no page loads, so
// the new ticket is taken here. A console running a room goes on unless the link is for another
// room (or another seat in it); a spent link leaves a running console as it is, and says so.
async function takeNewLink() {
  const { params } = takeFragment();
  const ticket = params.get("ticket");
  if (!ticket) return;
  const before = state.conn && !state.conn.stopped ? state.room : null;
  if (!(await takeTicket(ticket))) {
    if (before) $("#feedback")?.replaceChildren(t("This link no longer works"));
    else spentLinkScreen();
    return;
  }
  const next = load(ROOM_KEY);
  if (before && next && next.code === before.code && next.key === before.key) return;
  state.conn?.stop();
  state.conn = null;
  state.view = null;
  resume();
}

// The console's own language (this tab's choice, else the browser's). A switch reloads the
// page: the room is kept in this tab, and the connection says hello again in the new language.
function languagePicker() {
  const picker = $("#console-language");
  picker.replaceChildren(...languages().map(({ lang, name }) => {
    const option = h("option", { value: lang, lang, text: name });
    option.selected = lang === language();
    return option;
  }));
  picker.addEventListener("change", () => {
    remember(picker.value);
    location.reload();
  });
}

const { params } = takeFragment(); // the ticket leaves the address bar before anything waits
window.addEventListener("hashchange", takeNewLink);
document.addEventListener("keydown", escapeClosesPanel);
forScreen("console");
await loadLanguage().catch(() => null); // no catalogue: the console stays in English
translateMarkup();
languagePicker();
start(params);
setInterval(() => state.conn && tickClock(), 200);
