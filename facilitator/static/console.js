// The facilitator console: create a room, show how to join, run activities, timer, screen,
// room settings, moderation, and end the session with its erasure receipt.
import { Connection, redeemTicket } from "/static/participant/connection.js";
import { $, formatClock, h, replace, svgFrom, takeFragment } from "/static/participant/dom.js";
import { renderResults, renderTexts } from "/static/participant/results.js";
import { KIND_NAMES, takesAnswers } from "/static/participant/widgets.js";
import { activityForm } from "./activity-form.js";
import { connectHelp, screenWarning } from "./help.js";
import { paperForm } from "./paper.js";
import { PlanPanel } from "./plan.js";
import { WeeksPanel } from "./weeks.js";

const HOST_KEY = "hearth.host";
const ROOM_KEY = "hearth.console";
const app = $("#app");
const net = $("#net");

let conn = null;
let view = null;
let progress = { connected: 0, activity: null, answered: 0, passed: null, pauses: 0, words: 0, cofacilitators: 0, preview: null };
let room = null; // {code, key, displayKey, seat: "lead" | "co"}
const parts = {};
let liveKey = "";
let plan = null;
let weeks = null;

function load(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key));
  } catch {
    return null;
  }
}

function feedback(text) {
  if (parts.feedback) parts.feedback.textContent = text;
}

async function command(message) {
  try {
    const ack = await conn.request(message);
    feedback("");
    return ack;
  } catch (error) {
    feedback(error.message || "That did not work.");
    throw error;
  }
}

// -- before a room exists ------------------------------------------------------------------

function startScreen(message = "") {
  const secret = sessionStorage.getItem(HOST_KEY);
  if (!secret) {
    replace(
      app,
      h("h1", { text: "Open the facilitator link" }),
      h("p", { text: "Open the link that “hearth serve” printed when it started. It works once; “hearth link” prints another." }),
    );
    return;
  }
  const k = h("input", { id: "start-k", type: "number", min: "3", max: "50", value: "5", "aria-describedby": "start-k-hint" });
  const error = h("p", { class: "error", role: "alert", text: message });
  const form = h(
    "form",
    {
      class: "card start",
      onsubmit: async (event) => {
        event.preventDefault();
        error.textContent = "";
        const response = await fetch("/api/rooms", {
          method: "POST",
          headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
          body: JSON.stringify({ k: Number(k.value) }),
        });
        if (!response.ok) {
          const body = await response.json().catch(() => ({}));
          error.textContent = body.message || "Could not create a room.";
          return;
        }
        const made = await response.json();
        room = { code: made.code, key: made.facilitator_credential, displayKey: made.display_credential };
        sessionStorage.setItem(ROOM_KEY, JSON.stringify(room));
        connect();
      },
    },
    h("h1", { text: "Start a session" }),
    h("p", { text: "A room lives until you end it (or it sits idle for hours). Ending deletes every answer and shows you a receipt." }),
    h("p", { class: "field" }, h("label", { for: "start-k", text: "Minimum answers before any result shows (k)" }), k),
    h("p", { id: "start-k-hint", class: "hint", text: "At least 3. Smaller groups are easier to read, so results wait for k answers." }),
    error,
    h("button", { type: "submit", text: "Create a room" }),
  );
  replace(app, form);
}

// -- the dashboard ---------------------------------------------------------------------------

function button(label, onclick, cls = "") {
  return h("button", { type: "button", class: cls, text: label, onclick });
}

function dashboard() {
  parts.feedback = h("p", { class: "feedback error", role: "alert" });
  parts.counts = h("dl", { class: "counts" });
  parts.blank = h("button", { type: "button", class: "secondary", "aria-pressed": "false", text: "Blank the display", onclick: () => command({ type: "screen", blank: !view?.screen?.blank }) });
  parts.join = h("section", { class: "card join-card", "aria-labelledby": "join-heading" });
  parts.settings = h("section", { class: "card settings", "aria-labelledby": "settings-heading" });
  parts.live = h("section", { class: "card live-card", "aria-labelledby": "live-heading" });
  parts.history = h("section", { class: "card history", "aria-labelledby": "history-heading" });
  parts.end = h("div", { class: "end-zone" });
  parts.support = h("section", { class: "card support", "aria-labelledby": "support-heading" });
  const open = (definition) => command({ type: "open", activity: definition });
  // A quick check-in sets the live activity aside; "Back to" brings it back with its answers.
  const checkIn = () => command({ type: "open", interrupt: true, activity: { kind: "checkin", title: "Check-in", text: "How are you right now?" } }).catch(() => {});
  const auth = () => ({ Authorization: `Bearer ${room.key}`, "X-Hearth-Room": room.code });
  const form = activityForm(open, (definition) => plan.add(definition));
  plan = new PlanPanel({
    open,
    auth,
    edit: (def, index, onSave) => form.load(def, index, onSave),
    // Kept with the room too, so a console that comes back (or a co-facilitator) finds it.
    changed: (kept) => {
      const { id: _id, minutes: _minutes, ...planOnly } = kept.plan ?? {};
      conn?.request({ type: "runsheet", plan: kept.plan ? planOnly : null, index: kept.index }).catch(() => {});
    },
    useCard: (text) => command({ type: "support", text }).catch(() => {}),
  });
  weeks = new WeeksPanel({ request: (m) => conn.request(m), command, auth, k: () => view?.room.k ?? 5 });
  const lead = room.seat !== "co";
  parts.setAside = h("span", { class: "set-aside" });
  const toolbar = h(
    "div",
    { class: "toolbar" },
    parts.counts,
    h(
      "div",
      { class: "row" },
      lead && room.displayKey ? button("Open the display", openDisplay, "secondary") : null,
      parts.blank,
      button("Quick check-in", checkIn, "secondary"),
      button("Grounding now", () => command({ type: "grounding_now" }).catch(() => {}), "grounding-now"),
      parts.setAside,
      lead ? parts.end : null,
    ),
  );
  replace(
    app,
    h("h1", { class: "visually-hidden", text: "Session console" }),
    toolbar,
    screenWarning(),
    parts.feedback,
    h(
      "div",
      { class: "grid" },
      h("div", { class: "col-main" }, parts.live, plan.el, h("section", { class: "card" }, form), parts.history),
      h("div", { class: "col-side" }, parts.join, lead ? linksCard() : coBanner(), lead ? parts.settings : null, parts.support, lead ? weeks.el : null),
    ),
  );
  endButton();
  renderCounts();
}

// Each display window gets its own one-time ticket, so its link carries no credential.
async function openDisplay() {
  const response = await fetch("/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role: "display", code: room.code, credential: room.displayKey }),
  }).catch(() => null);
  if (!response?.ok) return; // never a credential in a URL: no ticket, no window
  const fragment = `#ticket=${encodeURIComponent((await response.json()).ticket)}`;
  // Its own window (not a tab), ready to drag onto the projector.
  window.open(`/display${fragment}`, "_blank", "noopener,popup");
}

function endButton() {
  replace(parts.end, button("End session…", confirmEnd, "danger"));
}

function confirmEnd() {
  const confirmButton = button("End and erase", async () => {
    confirmButton.disabled = true;
    try {
      await command({ type: "end" });
    } catch {
      confirmButton.disabled = false;
    }
  }, "danger");
  replace(
    parts.end,
    h(
      "div",
      { class: "confirm", role: "group", "aria-labelledby": "confirm-text" },
      h("p", { id: "confirm-text", text: "End for everyone? Every answer and key of this room is deleted now. Save the summary first if you want to keep one." }),
      confirmButton,
      button("Cancel", () => {
        endButton();
        parts.end.querySelector("button").focus();
      }, "secondary"),
    ),
  );
  confirmButton.focus();
}

function renderCounts() {
  if (!parts.counts) return;
  const item = (label, value, id) => [h("dt", { text: label }), h("dd", { id, text: String(value) })];
  replace(
    parts.counts,
    item("Code", view ? view.room.code : room.code, "count-code"),
    item("Here", progress.connected, "count-connected"),
    // live: who has tapped (an answer or a pass); once closed, answers and passes apart
    progress.passed === null || progress.passed === undefined
      ? item("Responded", progress.answered, "count-answered")
      : [
          ...item("Answered", progress.answered - progress.passed, "count-answers"),
          ...item("Passed", progress.passed, "count-passed"),
        ],
    item("Pause signals", progress.pauses, "count-pauses"),
    item("A word afterwards", progress.words ?? 0, "count-words"),
    room.seat !== "co" ? item("Co-facilitator", progress.cofacilitators ? "here" : "—", "count-co") : null,
  );
  parts.counts.setAttribute(
    "aria-label",
    progress.passed === null || progress.passed === undefined
      ? `${progress.connected} here · ${progress.answered} responded`
      : `${progress.connected} here · ${progress.answered - progress.passed} answered · ${progress.passed} passed`,
  );
  parts.counts.querySelector("#count-pauses").classList.toggle("alert", progress.pauses > 0);
  parts.counts.querySelector("#count-words").classList.toggle("alert", (progress.words ?? 0) > 0);
  if (parts.preview) renderPreview();
}

function renderJoin() {
  const r = view.room;
  replace(
    parts.join,
    h("h2", { id: "join-heading", text: "How to join" }),
    h("p", { class: "join-code", "aria-label": `Join code ${r.code.split("").join(" ")}`, text: r.code }),
    r.qr_svg ? h("div", { class: "qr" }, svgFrom(r.qr_svg, "QR code with the join link")) : null,
    h("p", { class: "join-link" }, h("a", { href: r.join_url, target: "_blank", rel: "noopener noreferrer", text: r.join_url })),
    h("p", { class: "hint", id: "reentry-hint" }, "If this tab closes, the room carries on: on the computer running Hearth, run ", h("code", { text: `hearth link --room ${r.code}` }), " and open the link it prints."),
    connectHelp(r.join_url),
  );
}

function coBanner() {
  return h("section", { class: "card", "aria-labelledby": "co-heading" },
    h("h2", { id: "co-heading", text: "Co-facilitator console" }),
    h("p", { class: "hint", text: "You see the signals, the queue and the run-sheet, and can push grounding. Ending the session and room settings stay with the facilitator." }));
}

function renderSupport() {
  const text = h("textarea", { id: "support-text", rows: "4", maxlength: "2000", "aria-describedby": "support-hint" });
  text.value = view.support_card ?? "";
  replace(
    parts.support,
    h("h2", { id: "support-heading", text: "Support card" }),
    h("p", { id: "support-hint", class: "hint", text: "Local helplines and what to do if someone needs to step out. Phones can open it at any time and see it when the session ends. It is never logged." }),
    room.seat !== "co"
      ? h("form", { onsubmit: (e) => { e.preventDefault(); command({ type: "support", text: text.value }).catch(() => {}); } },
          h("label", { for: "support-text", class: "visually-hidden", text: "Support card" }), text,
          h("button", { type: "submit", class: "secondary", text: "Save the support card" }))
      : h("p", { text: view.support_card || "No support card yet." }),
  );
}

function renderSetAside() {
  const back = view.set_aside;
  replace(parts.setAside, back ? button(`Back to: ${back.title || KIND_NAMES[back.kind]}`, () => command({ type: "resume" }).catch(() => {})) : "");
}

async function mintLink(role, credential) {
  const response = await fetch("/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, code: room.code, credential }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || "Could not make a link.");
  return body.url;
}

// One-time links for opening the console or the display on another device.
function linksCard() {
  const out = h("div", { class: "made-link" });
  const make = (role, credential, label) => async () => {
    try {
      const url = await mintLink(role, credential);
      const input = h("input", { id: "made-link", type: "text", readonly: true, value: url, "aria-describedby": "made-link-hint" });
      replace(
        out,
        h("label", { for: "made-link", text: label }),
        input,
        h("p", { id: "made-link-hint", class: "hint", text: "It works once, for a short while. Whoever holds it gets that screen, so keep it private." }),
      );
      input.select();
    } catch (failure) {
      replace(out, h("p", { class: "error", role: "alert", text: failure.message }));
    }
  };
  return h(
    "section",
    { class: "card", "aria-labelledby": "links-heading" },
    h("h2", { id: "links-heading", text: "Another device" }),
    h("p", { class: "hint", text: "One-time links to open this console or the projector display on another computer or tablet." }),
    h(
      "div",
      { class: "row" },
      button("Console link", make("facilitator", room.key, "Console link (works once)"), "secondary"),
      button("Co-facilitator link", make("cofacilitator", room.key, "Co-facilitator link (works once; a new one replaces the last)"), "secondary"),
      room.displayKey ? button("Display link", make("display", room.displayKey, "Display link (works once)"), "secondary") : null,
    ),
    out,
  );
}

function renderSettings() {
  const r = view.room;
  const k = h("input", { id: "set-k", type: "number", min: "3", max: "50", value: String(r.k) });
  const cap = h("input", { id: "set-cap", type: "number", min: "1", max: "10000", value: String(r.cap ?? 300) });
  // Mirrors the server: the split is fixed while an activity that takes answers is not yet revealed.
  const a = view.activity;
  const collecting = !!a && a.status !== "revealed" && takesAnswers(a.definition);
  const toggle = (id, label, value, key, locked = false) => {
    const input = h("input", { id, type: "checkbox", disabled: locked, "aria-describedby": locked ? "split-hint" : null });
    input.checked = value;
    input.addEventListener("change", () => command({ type: "configure", [key]: input.checked }).catch(() => (input.checked = !input.checked)));
    return h("p", { class: "check-field" }, input, h("label", { for: id, text: label }));
  };
  replace(
    parts.settings,
    h("h2", { id: "settings-heading", text: "Room settings" }),
    h(
      "form",
      { class: "row k-form", onsubmit: (e) => { e.preventDefault(); command({ type: "configure", k: Number(k.value) }).catch(() => {}); } },
      h("label", { for: "set-k", text: "k (minimum answers)" }),
      k,
      h("button", { type: "submit", class: "secondary", text: "Apply", "aria-label": "Apply k" }),
    ),
    h(
      "form",
      { class: "row k-form", onsubmit: (e) => { e.preventDefault(); command({ type: "configure", cap: Number(cap.value) }).catch(() => {}); } },
      h("label", { for: "set-cap", text: "Most people who may join" }),
      cap,
      h("button", { type: "submit", class: "secondary", text: "Apply", "aria-label": "Apply the cap" }),
    ),
    toggle("set-locked", "Lock the room (no new people)", r.locked, "locked"),
    toggle("set-tracks", "Let people say which side they are on", r.tracks, "tracks", collecting && r.split),
    toggle("set-split", "Show results per side", r.split, "split", collecting),
    collecting ? h("p", { id: "split-hint", class: "hint", text: "The split can change between activities, not while one collects answers." }) : null,
  );
}

function timerControls() {
  const t = view.timer;
  const secs = h("input", { id: "timer-seconds", type: "number", min: "1", max: "3600", value: "120" });
  const act = (action, extra = {}) => () => command({ type: "timer", action, ...extra }).catch(() => {});
  parts.timer = h("p", { class: "timer", role: "timer", "aria-label": "Time left" });
  const running = t?.running;
  const started = t && (t.running || t.remaining_ms < t.duration_ms);
  return h(
    "div",
    { class: "timer-box" },
    parts.timer,
    h(
      "div",
      { class: "row" },
      !t ? [h("label", { for: "timer-seconds", text: "Timer length (seconds)" }), secs, button("Start timer", () => act("start", { seconds: Number(secs.value) })())] : null,
      t && !started ? button("Start", act("start")) : null,
      running ? button("Pause", act("pause"), "secondary") : null,
      t && started && !running ? button("Resume", act("resume")) : null,
      t ? button("+1 min", act("extend", { seconds: 60 }), "secondary") : null,
      t ? button("Stop timer", act("stop"), "quiet") : null,
    ),
  );
}

function renderPreview() {
  if (!parts.preview) return;
  const a = view?.activity;
  if (!a || a.status === "revealed" || !progress.preview || progress.activity !== a.id) {
    replace(parts.preview);
    return;
  }
  replace(
    parts.preview,
    h("h3", { text: "Preview: what a reveal will show" }),
    h("p", { class: "hint", text: "Drawn by the same rule as every screen; nothing is previewed while answers come in." }),
    renderResults(progress.preview, a.definition),
  );
}

function renderQueue() {
  const queue = view.queue || [];
  if (!queue.length) return null;
  const approved = queue.filter((q) => q.state === "approved").length;
  return h(
    "section",
    { class: "queue", "aria-labelledby": "queue-heading" },
    h("h3", { id: "queue-heading", text: "Written answers to review" }),
    h("p", { class: "hint", text: "Nothing reaches the display until you approve and release it. Released answers show as one shuffled batch." }),
    h(
      "ul",
      { class: "queue-list" },
      queue.map((item, i) =>
        h(
          "li",
          { class: `queue-item ${item.state}` },
          h("p", { class: "queue-text", text: item.text }),
          h(
            "div",
            { class: "row", role: "group", "aria-label": `Answer ${i + 1}` },
            h("button", { type: "button", class: "secondary", "aria-pressed": String(item.state === "approved"), text: "Approve", onclick: () => command({ type: "moderate", item: item.id, action: item.state === "approved" ? "pending" : "approve" }).catch(() => {}) }),
            h("button", { type: "button", class: "quiet", "aria-pressed": String(item.state === "hidden"), text: "Hide", onclick: () => command({ type: "moderate", item: item.id, action: item.state === "hidden" ? "pending" : "hide" }).catch(() => {}) }),
          ),
        ),
      ),
    ),
    h("button", { type: "button", text: `Release approved (${approved})`, disabled: approved === 0, onclick: () => command({ type: "release" }).catch(() => {}) }),
  );
}

// Written answers are not counted into results: they go through the queue and release instead.
function isText(def) {
  return def.kind === "prompt" || def.kind === "reflection";
}

function renderLive() {
  const a = view.activity;
  const key = JSON.stringify([a, !!view.trend, view.timer && [view.timer.running, view.timer.duration_ms, view.timer.remaining_ms, view.timer.deadline_ms], view.results, view.texts, view.queue]);
  if (key === liveKey) return;
  liveKey = key;
  parts.timer = null;
  parts.preview = null;
  if (!a) {
    replace(
      parts.live,
      h("h2", { id: "live-heading", text: "Nothing live" }),
      h("p", { class: "hint", text: view.trend ? "The display shows a trend from past sessions; phones wait." : "Phones wait and the display shows how to join. Open an activity below." }),
      timerControls(),
    );
    tick();
    return;
  }
  const def = a.definition;
  const answers = takesAnswers(def);
  const status = answers
    ? { open: "Open: taking answers", closed: "Closed", revealed: "Revealed on screens" }[a.status]
    : "On screens (nothing to answer)";
  parts.preview = h("div", { class: "preview" });
  replace(
    parts.live,
    h("h2", { id: "live-heading" }, h("span", { class: "kind", text: KIND_NAMES[def.kind] }), " ", def.title || def.text.slice(0, 60)),
    h("p", { class: "live-text", text: def.text }),
    h("p", { class: `badge ${a.status}`, id: "live-status", text: status }),
    h(
      "div",
      { class: "row" },
      answers && a.status === "open" ? button("Close answers", () => command({ type: "close" }).catch(() => {})) : null,
      answers && a.status !== "revealed" && !isText(def) ? button("Reveal results", () => command({ type: "reveal" }).catch(() => {})) : null,
      button("Clear", () => command({ type: "clear" }).catch(() => {}), "secondary"),
    ),
    timerControls(),
    parts.preview,
    answers ? paperForm(a, view.room, command) : null,
    a.status === "revealed" && view.results ? h("section", { class: "results", "aria-label": "Results" }, h("h3", { text: "Results" }), renderResults(view.results, def)) : null,
    renderQueue(),
    view.texts.length ? h("section", { "aria-label": "Released answers" }, h("h3", { text: "Released to the display" }), renderTexts(view.texts)) : null,
  );
  renderPreview();
  tick();
}

function renderHistory() {
  const items = view.history || [];
  replace(
    parts.history,
    h("h2", { id: "history-heading", text: "Revealed so far" }),
    items.length
      ? h("ol", { class: "history-list" }, items.map((item) => h("li", {},
          h("p", { class: "history-title", text: item.title || item.text }),
          item.results ? renderResults(item.results, {}) : null,
          item.texts?.length ? h("p", { class: "hint", text: `${item.texts.length} written answers released` }) : null,
        )))
      : h("p", { class: "hint", text: "Results you reveal collect here until the session ends." }),
  );
}

function tick() {
  if (parts.timer && view?.timer) {
    const t = view.timer;
    const state = t.running ? "" : t.remaining_ms < t.duration_ms ? " (paused)" : " (not started)";
    parts.timer.textContent = formatClock(conn.remainingMs(t)) + state;
  } else if (parts.timer) {
    parts.timer.textContent = "No timer running";
    parts.timer.classList.add("none");
  }
}

function receipt(ended) {
  sessionStorage.removeItem(ROOM_KEY);
  const r = ended.receipt;
  replace(
    app,
    h(
      "section",
      { class: "card receipt", "aria-labelledby": "receipt-heading" },
      h("h1", { id: "receipt-heading", tabindex: "-1", text: "The session has ended" }),
      r
        ? h("p", { id: "receipt", text: `Erasure receipt: ${r.deleted} keys deleted; a fresh scan found ${r.remaining} left. Checked at ${new Date(r.scanned_at).toLocaleTimeString()}.` })
        : h("p", { text: {
            lost: "The server lost this room (its store was reset or could not be reached), so it could not go on.",
            abandoned: "No facilitator console came back in time, so the room ended by itself and was erased.",
            ended: "The facilitator ended the session; every answer and key of the room was deleted.",
          }[ended.reason] ?? "The room had been idle too long and expired; its keys expired with it." }),
      r ? h("p", { text: r.remaining === 0 ? "Phones and the display were told. Answers are deleted; nothing of this room remains on the server." : "Some keys were still found: tell whoever runs this server." }) : null,
      sessionStorage.getItem(HOST_KEY) ? button("Start another session", () => startScreen()) : null,
    ),
  );
  $("#receipt-heading").focus();
}

function connect() {
  dashboard();
  conn = new Connection({
    role: room.seat === "co" ? "cofacilitator" : "facilitator",
    code: room.code,
    credential: room.key,
    handlers: {
      status(status) {
        net.textContent = { reconnecting: "Reconnecting…", connecting: "Connecting…" }[status] ?? "";
      },
      view(next, changes) {
        view = next;
        if (!changes || "room" in changes || "activity" in changes) {
          renderJoin();
          renderSettings();
        }
        if (!changes || "screen" in changes) {
          parts.blank.setAttribute("aria-pressed", String(!!view.screen?.blank));
          parts.blank.textContent = view.screen?.blank ? "Display is blank: show it" : "Blank the display";
        }
        if (!changes || "history" in changes) renderHistory();
        if (!changes || "support_card" in changes) renderSupport();
        if (!changes || "set_aside" in changes) renderSetAside();
        if (!changes && view.runsheet && !plan.plan) plan.restore(view.runsheet);
        weeks.update(view.trend ?? null);
        renderLive();
        renderCounts();
      },
      progress(message) {
        progress = message;
        renderCounts();
      },
      ended: receipt,
      rejected(_code, error) {
        sessionStorage.removeItem(ROOM_KEY);
        startScreen(error?.message || "That room is no longer running.");
      },
      error(message) {
        feedback(message.message);
      },
    },
  });
  conn.start();
}

function keepRoom(code, key, seat = "lead") {
  const previous = load(ROOM_KEY);
  const displayKey = previous?.code === code ? previous.displayKey : null;
  sessionStorage.setItem(ROOM_KEY, JSON.stringify({ code, key, displayKey, seat }));
}

async function start() {
  const { params } = takeFragment();
  if (params.get("ticket")) {
    try {
      const grant = await redeemTicket(params.get("ticket"));
      if (grant.kind === "host") sessionStorage.setItem(HOST_KEY, grant.credential);
      else if (grant.kind === "facilitator") keepRoom(grant.code, grant.credential);
      else if (grant.kind === "cofacilitator") keepRoom(grant.code, grant.credential, "co");
    } catch (failure) {
      if (!sessionStorage.getItem(HOST_KEY) && !load(ROOM_KEY)) {
        replace(app, h("h1", { text: "This link has been used" }), h("p", { text: `${failure.message} Ask for a new link with “hearth link”.` }));
        return;
      }
    }
  }
  room = load(ROOM_KEY);
  if (room) connect();
  else startScreen();
  setInterval(tick, 200);
}

start();
