// The console as one screen that never scrolls while a session runs: a bar with the code, who
// is here and has answered, the signals, the timer and End; the run-sheet on the left; the live
// activity in the centre; the moderation queue (or a panel opened on demand) on the right; and
// the keyboard shortcuts, listed along the bottom.
import { h, replace, setText, shortcutKey } from "/static/shared/dom.js";
import { language, plural, t } from "/static/shared/i18n.js";
import { KIND_NAMES } from "/static/shared/widgets.js";
import { act, button, clearError, commandButton, isLead, state } from "./console-state.js";
import { screenWarning } from "./help.js";
import { renderLive, renderQueue, skipToLive, tickClock, timerControls } from "./live.js";
import { panelList, updateCapNote } from "./panels.js";
import { titleIn } from "./plan-words.js";

// The keys and what they press; a co-facilitator's console has only the timer's (the others
// would send what the server refuses it).
const KEYS = [["n", () => t("next step")], ["r", () => t("reveal")], ["b", () => t("blank the display")], ["p", () => t("pause or resume the timer")]];
const CO_KEYS = new Set(["p"]);
const keys = () => (isLead() ? KEYS : KEYS.filter(([k]) => CO_KEYS.has(k)));
const parts = {};
let openPanel = null;
let joinByItself = false; // "How to join" opens at the start and closes when the first activity does
let queueShown = null; // the activity whose written answers the side column last turned to
let liveKey = "";
let listening = false;

function count(label, value, id, alert = false) {
  return h("div", { class: alert ? "count alert" : "count" }, h("dt", { text: label }), h("dd", { id, class: alert ? "alert" : null, text: String(value) }));
}

// The counts change many times a second: rebuilt only when their set changes, else updated.
let countsShape = "";

export function renderCounts() {
  if (!parts.counts) return;
  const p = state.progress;
  const split = p.passed !== null && p.passed !== undefined;
  const onPaper = state.view?.activity?.paper?.n ?? 0;
  const items = [
    [t("Code"), state.view ? state.view.room.code : state.room.code, "count-code"],
    // a locked room turns late arrivals away: said where the facilitator looks, not only in a panel
    ...(state.view?.room.locked ? [[t("Room"), t("locked"), "count-locked"]] : []),
    [t("Here"), p.connected, "count-connected"],
    // live: who has tapped (an answer or a pass); once closed, answers and passes apart
    ...(split ? [[t("Answered"), p.answered - p.passed, "count-answers"], [t("Passed"), p.passed, "count-passed"]] : [[t("Responded"), p.answered, "count-answered"]]),
    // phones' answers above; slips typed in from paper beside them (a result counts both)
    ...(onPaper ? [[t("On paper"), onPaper, "count-paper"]] : []),
    [t("Pause signals"), p.pauses, "count-pauses", p.pauses > 0],
    [t("A word afterwards"), p.words ?? 0, "count-words", (p.words ?? 0) > 0],
    ...(isLead() ? [[t("Co-facilitator"), p.cofacilitators ? t("here") : "—", "count-co"]] : []),
    // whether the projector is there, and blank, at a glance (its page can drop out of sight)
    [t("Display"), p.displays ? (state.view?.screen?.blank ? t("blank") : t("connected")) : "—", "count-display"],
  ];
  const shape = items.map((item) => item[2]).join();
  if (shape !== countsShape || !parts.counts.childElementCount) {
    countsShape = shape;
    replace(parts.counts, items.map(([label, value, id, alert]) => count(label, value, id, alert)));
  } else {
    for (const [, value, id, alert] of items) {
      const dd = parts.counts.querySelector(`#${id}`);
      setText(dd, String(value));
      dd.classList.toggle("alert", !!alert);
      dd.parentElement.classList.toggle("alert", !!alert);
    }
  }
  const said = split ? t("{here} here · {answered} answered · {passed} passed", { here: p.connected, answered: p.answered - p.passed, passed: p.passed }) : t("{here} here · {answered} responded", { here: p.connected, answered: p.answered });
  const paper = onPaper ? t("{n} on paper", { n: onPaper }) : "";
  parts.counts.setAttribute("aria-label", paper ? `${said} · ${paper}` : said);
  if (parts.live && state.view) renderLiveIfChanged(); // the preview comes with the counts
  updateCapNote(); // the room settings' word on a cap below the people here follows them
  endWords();
}

function renderLiveIfChanged() {
  const view = state.view;
  const key = JSON.stringify([view.activity, !!view.trend, view.timer && [view.timer.running, view.timer.duration_ms, view.timer.remaining_ms], view.results, view.texts, view.screen, state.progress.preview]);
  if (key === liveKey) return;
  liveKey = key;
  renderLive(parts.live);
}

// Ending erases everything, so it asks first, in a modal dialog whose focus starts on Cancel:
// Enter twice, or a double click, ends nothing, and Esc (or Cancel) puts the focus back on
// End session…. Only a press on End and erase itself ends the session. Ending also clears
// "a word afterwards": the dialog names who asked, so nobody waiting for a word is forgotten.
// The dialog saves the summary itself: it asks for one, so it offers it where it asks.
function endButton(weeks) {
  const end = button(t("End session…"), () => { if (!dialog.open) dialog.showModal(); endWords(); saved.textContent = ""; cancel.focus(); }, "danger", { "aria-haspopup": "dialog" });
  const saved = h("span", { class: "hint", role: "status" });
  const yes = button(t("End and erase"), async () => {
    yes.disabled = true;
    if (!(await act(yes, { type: "end" }))) yes.disabled = false;
  }, "danger");
  const cancel = button(t("Cancel"), () => dialog.close(), "secondary", { autofocus: true });
  const dialog = h("dialog", { class: "end-confirm", "aria-labelledby": "confirm-text", "aria-describedby": "confirm-words", onclose: () => { clearError(yes); end.focus(); } },
    h("p", { id: "confirm-text", text: t("End for everyone? Every answer and key of this room is deleted now. Save the summary first if you want to keep one.") }),
    parts.endWords = h("p", { id: "confirm-words", class: "error", hidden: true }),
    weeks ? h("div", { class: "row save-first" }, button(t("Save summary file"), async () => { saved.textContent = await weeks.saveSummary(); }, "secondary"), saved) : null,
    h("div", { class: "row" }, yes, cancel));
  replace(parts.end, end, dialog);
}

// The dialog's line about people who asked for a word; kept up to date while it is open.
function endWords() {
  const el = parts.endWords;
  const n = state.progress.words ?? 0;
  if (!el) return;
  el.hidden = n === 0;
  el.textContent = n ? plural("{n} person asked for a word afterwards. Ending the session clears that signal: make sure you have seen them.", "{n} people asked for a word afterwards. Ending the session clears that signal: make sure you have seen them.", n) : "";
}

function setPanel(name) {
  openPanel = openPanel === name ? null : name;
  for (const [key, toggle] of Object.entries(parts.toggles)) toggle.setAttribute("aria-expanded", String(key === openPanel));
  drawSide();
  if (openPanel) parts.side.querySelector("h2")?.focus();
}

export function closePanel(name) {
  if (openPanel === name) setPanel(name);
}

// The side column's own content, the queue of written answers (a panel open there is shut),
// with the focus on it; on the live activity until the queue's view has come.
export function showQueue() {
  if (openPanel) setPanel(openPanel);
  (document.querySelector("#queue-heading") ?? document.querySelector("#live-heading"))?.focus();
}

export function showPanel(name) {
  if (openPanel !== name) setPanel(name);
}

// Redraw the side column; the control that had focus there keeps it (by its place), or the
// nearest one still enabled (a Release just pressed is disabled once nothing waits).
function renderSide() {
  const controls = () => [...parts.side.querySelectorAll("button, input, select, textarea, a")];
  const focused = controls().indexOf(document.activeElement);
  drawSide();
  if (focused < 0) return;
  const now = controls();
  const at = Math.min(focused, now.length - 1);
  const near = [now[at], ...now.slice(0, at).reverse(), ...now.slice(at + 1)].find((c) => c && !c.disabled);
  // none left (the last answers released): the line saying so, else the column's heading
  (near ?? parts.side.querySelector("#queue-released:not(:empty)") ?? parts.side.querySelector("h2[tabindex]"))?.focus();
}

function drawSide() {
  if (!state.view) return;
  const panel = parts.panels.find(([name]) => name === openPanel);
  if (panel) {
    const [name, , heading, body] = panel;
    const el = body instanceof Element ? body : h("div", { class: "panel-body" });
    if (!(body instanceof Element)) body(el);
    replace(parts.side,
      h("div", { class: body instanceof Element ? "panel-head beside" : "panel-head" },
        body instanceof Element ? null : h("h2", { id: `panel-${name}`, tabindex: "-1", text: heading }),
        button(t("Close panel"), () => setPanel(name), "quiet small", { "aria-label": t("Close {panel}", { panel: heading }) })),
      el);
  } else if (!renderQueue(parts.side)) {
    replace(parts.side);
  }
  parts.work.classList.toggle("with-side", parts.side.childElementCount > 0);
}

export function renderAll(changes = null) {
  const view = state.view;
  const changed = (name) => !changes || changes.includes(name);
  if (changed("screen")) {
    const blank = !!view.screen?.blank;
    if (isLead()) {
      parts.blank.setAttribute("aria-pressed", String(blank));
      parts.blank.textContent = blank ? t("Display is blank: show it") : t("Blank the display");
    } else {
      parts.blank.textContent = blank ? t("The display is blank") : "";
    }
  }
  if (changed("set_aside")) {
    const back = view.set_aside;
    replace(parts.setAside, back ? commandButton(t("Back to: {title}", { title: titleIn(back) || KIND_NAMES[back.kind] }), { type: "resume" }) : "");
  }
  if (changed("timer")) replace(parts.timer, timerControls());
  if (joinByItself && view.activity) {
    joinByItself = false;
    if (openPanel === "join") setPanel("join");
  }
  renderLiveIfChanged();
  // a panel being typed in is not redrawn under the cursor
  const typing = document.activeElement?.matches?.("input:not([type=checkbox]), textarea, select") && parts.side.contains(document.activeElement);
  const panel = parts.panels.find(([name]) => name === openPanel);
  // the queue, or why it is empty once closed (activity.withheld_texts)
  if ((panel ? panel[5] : ["queue", "activity"]).some(changed) && !typing) renderSide();
  turnToTheQueue(view);
  tickClock();
}

// Written answers reach the facilitator when they close answers: the side column turns to them
// then, once, whatever panel was open there (the Close answers just pressed is gone; the focus
// goes to what it brought).
function turnToTheQueue(view) {
  const a = view.activity;
  const arrived = isLead() && a && a.status !== "open" && (view.queue?.length || a.withheld_texts);
  if (!arrived || queueShown === a.id) return;
  queueShown = a.id;
  showQueue();
}

// Where a letter is typed (or picks an option) it is the field's; a checkbox, a file button or a
// radio takes no letters, so the keys work there as anywhere else.
const TYPED_IN = "textarea, select, [contenteditable], input:not([type=checkbox], [type=radio], [type=file], [type=button], [type=submit], [type=range])";

function shortcuts() {
  if (listening) return;
  listening = true;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest?.(TYPED_IN) || document.querySelector("dialog[open]")) return;
    const key = shortcutKey(event);
    const entry = keys().find(([k]) => k === key);
    if (!entry) return;
    const target = document.querySelector(`[data-key="${key}"]:not([disabled])`);
    event.preventDefault();
    if (target) target.click();
    else parts.keys.querySelector(".key-said").textContent = t("Nothing to {what} right now.", { what: entry[1]() });
  });
}

export function buildCockpit({ app, form, plan, weeks, openDisplay }) {
  const lead = isLead();
  parts.counts = h("dl", { class: "counts" });
  parts.timer = h("div", { class: "bar-timer" });
  // a co-facilitator cannot blank the display, but sees when it is blank
  parts.blank = lead
    ? commandButton(t("Blank the display"), () => ({ type: "screen", blank: !state.view?.screen?.blank }), "secondary", { "aria-pressed": "false", "data-key": "b" })
    : h("p", { class: "bar-note", role: "status" });
  parts.setAside = h("span", { class: "set-aside" });
  parts.end = h("div", { class: "end-zone" });
  parts.live = h("section", { class: "live-card", "aria-labelledby": "live-heading" });
  parts.side = h("aside", { class: "side", "aria-label": t("Queue and panels") });
  parts.panels = panelList(form, weeks).filter(([, , , body, leadOnly]) => body && (lead || !leadOnly));
  parts.toggles = Object.fromEntries(parts.panels.map(([name, label]) => [name, button(label, () => setPanel(name), "quiet small", { "aria-expanded": "false" })]));
  parts.keys = h("footer", { class: "keys", "aria-label": t("Keyboard shortcuts") },
    h("span", { text: t("Keys:") }), keys().map(([k, what]) => h("span", { class: "key" }, h("kbd", { text: k.toUpperCase() }), " " + what())),
    h("span", { class: "key-said", role: "status" }));
  parts.work = h("div", { class: "work" },
    h("aside", { class: "runsheet", "aria-label": t("Run-sheet") }, plan.el),
    h("div", { class: "centre" }, screenWarning(), parts.live),
    parts.side);
  replace(
    app,
    skipToLive(), // the first stop: past the bar's buttons, the panels and the run-sheet
    h("h1", { class: "visually-hidden", text: t("Session console") }),
    h("header", { class: "bar" },
      parts.counts,
      parts.timer,
      h("div", { class: "bar-group bar-actions" },
        lead ? button(t("Open the display"), openDisplay, "secondary") : null,
        parts.blank,
        // in this console's language first: what the room keeps of it, and the summary
        lead ? commandButton(t("Quick check-in"), { type: "checkin_now", lang: language() }, "secondary") : null,
        commandButton(t("Grounding now"), { type: "grounding_now", lang: language() }, "grounding-now"),
        parts.setAside,
        lead ? parts.end : null)),
    h("nav", { class: "tools", "aria-label": t("Panels") },
      Object.values(parts.toggles),
      lead ? null : h("h2", { class: "co-note", text: t("Co-facilitator console") }),
      lead ? null : h("p", { class: "hint", text: t("You can press “Grounding now” and “Back to…”, run the timer and review written answers; the rest stays with the facilitator.") }),
      h("p", { id: "feedback", class: "feedback error", role: "alert" })),
    parts.work,
    parts.keys,
  );
  endButton(weeks);
  shortcuts();
  joinByItself = true;
  openPanel = "join";
  parts.toggles.join.setAttribute("aria-expanded", "true");
}

export function resetCockpit() {
  liveKey = "";
  countsShape = "";
  openPanel = null;
  queueShown = null; // a new room's activities are numbered from a1 again
}
