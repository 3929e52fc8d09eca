// The centre of the console: the live activity with its controls (close, reveal, show the text
// behind a content note, clear), a timer only where one belongs, the preview of what a reveal
// will show, paper answers, results, and the pages of released answers on the display. The
// moderation queue goes in the side column.
import { formatClock, h, oneAtATime, replace, setText } from "/static/shared/dom.js";
import { plural, t } from "/static/shared/i18n.js";
import { pageNow, paginate } from "/static/shared/pages.js";
import { renderResults, renderTexts } from "/static/shared/results.js";
import { isWritten, KIND_NAMES, takesAnswers, takesWrittenAnswers, timerWord, titleIsKind } from "/static/shared/widgets.js";
import { act, button, commandButton, isLead, state, wholeNumbers } from "./console-state.js";
import { redrawKeepingFocus } from "./focus.js";
import { paperForm } from "./paper.js";
import { shownActivity } from "./plan-words.js";

const turnChoices = () => [[0, t("By hand")], ...[8, 12, 20, 30].map((s) => [s, t("Every {n} seconds", { n: s })])];
const TIMED = new Set(["reflection", "grounding"]);

const timeUp = (timer) => timer.running && state.conn.remainingMs(timer) <= 0;

// The timer, in the bar: its clock and what can be done with it now (its time up: more time, or
// stop; pausing a clock at 0:00 does nothing). tickClock redraws it when the time runs out.
export function timerControls() {
  const timer = state.view?.timer;
  if (!timer) return null;
  const started = timer.running || timer.remaining_ms < timer.duration_ms;
  const up = timeUp(timer);
  const clock = h("p", { class: "timer", id: "timer-clock", role: "timer", "aria-label": t("Time left") });
  return h(
    "div",
    { class: "bar-group timer-group", role: "group", "aria-label": t("Timer"), "data-up": String(up) },
    clock,
    !started ? commandButton(t("Start"), { type: "timer", action: "start" }, "", { "data-key": "p" }) : null,
    timer.running && !up ? commandButton(t("Pause"), { type: "timer", action: "pause" }, "secondary", { "data-key": "p" }) : null,
    started && !timer.running ? commandButton(t("Resume"), { type: "timer", action: "resume" }, "", { "data-key": "p" }) : null,
    commandButton(t("+1 min"), { type: "timer", action: "extend", seconds: 60 }, "secondary", {}, { repeatable: true }),
    commandButton(t("Stop timer"), { type: "timer", action: "stop" }, "quiet"),
  );
}

// A free timer (a discussion, a prompt): only where an activity has none of its own.
function timerStarter(def) {
  if (state.view.timer || (def && (TIMED.has(def.kind) || takesAnswers(def)))) return null;
  const secs = h("input", { id: "timer-seconds", type: "number", min: "1", max: "3600", value: "120" });
  const start = oneAtATime((form, seconds) => act(form, { type: "timer", action: "start", seconds })); // once for a double click
  return h(
    "form",
    { class: "row timer-start", novalidate: true, onsubmit: (e) => {
      e.preventDefault();
      const [seconds] = wholeNumbers(e.target, [secs], "timer") ?? [];
      if (seconds !== undefined) start(e.target, seconds);
    } },
    h("label", { for: "timer-seconds", text: t("Timer length (seconds)") }), secs,
    h("button", { type: "submit", class: "secondary", text: t("Start timer") }),
  );
}

export function tickClock() {
  const timer = state.view?.timer;
  const group = document.querySelector(".timer-group");
  if (group && timer && group.dataset.up !== String(timeUp(timer))) group.replaceWith(timerControls());
  const clock = document.querySelector("#timer-clock");
  if (clock && timer) {
    const ms = state.conn.remainingMs(timer);
    const word = timerWord(timer, ms);
    setText(clock, formatClock(ms) + (word ? ` (${word})` : ""));
  }
  const page = document.querySelector("#page-now");
  if (page && state.view) {
    const count = paginate(state.view.texts).length;
    setText(page, t("Page {n} of {count}", { n: pageNow(state.view.screen, count, state.conn.serverNow()) + 1, count }));
  }
}

function noteControls(def) {
  if (!def.content_note) return null;
  const guarded = !!state.view.screen?.note_guard;
  return h(
    "div",
    { class: "note-control" },
    h("p", { class: "hint", text: guarded ? t("The display shows only the content note, not the text yet:") : t("The display shows the text (its content note came first).") }),
    guarded ? h("blockquote", { class: "note-quote", text: def.content_note }) : null,
    // the facilitator's call alone: a co-facilitator's console only says where it stands
    !isLead() ? null : h("div", { class: "row" }, commandButton(guarded ? t("Show the text on the display") : t("Put the note back on the display"), { type: "show_text", shown: guarded }, guarded ? "" : "secondary")),
  );
}

function pageControls() {
  const texts = state.view.texts || [];
  const count = paginate(texts).length;
  if (!texts.length) return null;
  const screen = state.view.screen || {};
  const current = () => pageNow(screen, count, state.conn.serverNow());
  const turn = h("select", { id: "page-turn" }, turnChoices().map(([value, label]) => h("option", { value: String(value), text: label })));
  turn.value = String(screen.turn_seconds ?? 0);
  turn.addEventListener("change", () => act(turn, { type: "pages", page: current(), turn_seconds: Number(turn.value) || null }));
  const go = (delta) => () => ({ type: "pages", page: (current() + delta + count) % count, turn_seconds: screen.turn_seconds ?? null });
  // The display shows no answers while the content note stands in for the text (the phones do).
  const held = !!screen.note_guard;
  return h(
    "section",
    { class: "released", "aria-labelledby": "released-heading" },
    h("h3", { id: "released-heading", text: held ? t("Released, held back by the content note ({n})", { n: texts.length }) : t("Released to the display ({n})", { n: texts.length }) }),
    held ? h("p", { class: "note released-held", text: t("The display shows only the content note: these appear there once you press “{button}”.", { button: t("Show the text on the display") }) }) : null,
    h("div", { class: "row" },
      h("span", { id: "page-now", class: "page-now", "aria-live": "polite" }),
      count > 1 ? commandButton(t("Previous page"), go(-1), "secondary") : null,
      count > 1 ? commandButton(t("Next page"), go(1), "secondary") : null,
      count > 1 ? h("label", { for: "page-turn", text: t("Pages turn") }) : null,
      count > 1 ? turn : null),
    h("details", { class: "released-list" }, h("summary", { text: t("Read them here") }), renderTexts(texts)),
  );
}

// The preview of the live activity, once it is closed (the server sends none while open).
function previewOf(a) {
  return a && state.progress.activity === a.id ? state.progress.preview : null;
}

function renderPreview(a) {
  const preview = previewOf(a);
  // written answers are never revealed, so there is nothing to preview
  if (!a || a.status === "revealed" || !preview || isWritten(a.definition)) return null;
  return h(
    "div",
    { class: "preview" },
    h("h3", { text: t("Preview: what a reveal will show") }),
    h("p", { class: "hint", text: t("Drawn by the same rule as every screen; nothing is previewed while answers come in.") }),
    renderResults(preview, shownActivity(a.definition)),
  );
}

// The results a reveal would draw: fewer than k on every side, it would show nothing at all.
// -> {k, split} (split: each side is held to k on its own), or null when something shows.
function wouldShowNothing(a) {
  const preview = previewOf(a);
  const split = !!preview && !preview.overall;
  const results = preview ? (split ? Object.values(preview.by_track || {}) : [preview.overall]) : [];
  return results.length > 0 && results.every((r) => !r.shown) ? { k: results[0].k, split } : null;
}

// Why nothing would show. Split by side, the room's total (Responded) may pass k while no side
// does: saying "fewer than k answered" then would read as false.
function nothingWouldShow({ k, split }) {
  return split
    ? t("Reveal anyway? Nothing will show: results are shown per side, and no side has {k} answers of its own yet. A reveal cannot be undone.", { k })
    : t("Reveal anyway? Nothing will show: fewer than {k} answered, and a reveal cannot be undone.", { k });
}

let confirming = null; // the activity whose empty reveal waits for a second press

// A reveal is final: one that can only show nothing (the check-in is lost) asks first, here.
function revealControl(a, el) {
  const reveal = (label, cls, attrs = {}) => commandButton(label, { type: "reveal" }, cls, { "data-key": "r", ...attrs });
  const nothing = wouldShowNothing(a);
  if (nothing === null) return reveal(t("Reveal results"), "");
  const redraw = (id, focus) => { confirming = id; renderLive(el); el.querySelector(focus)?.focus(); };
  // The question opens with the focus on Cancel: Enter pressed twice must not lose the answers
  // (as "End session" does); R again is the deliberate way on.
  if (confirming !== a.id) return button(t("Reveal results"), () => redraw(a.id, "#reveal-cancel"), "", { "data-key": "r" });
  const cancel = () => redraw(null, '[data-key="r"]');
  return h(
    "div",
    // Esc is this question's (the console's own Esc, closing a side panel, leaves it be)
    { class: "confirm reveal-confirm", role: "group", "aria-labelledby": "reveal-confirm-text", onkeydown: (e) => { if (e.key === "Escape") { e.preventDefault(); cancel(); } } },
    h("p", { id: "reveal-confirm-text", text: nothingWouldShow(nothing) }),
    reveal(t("Reveal anyway"), "danger", { id: "reveal-anyway" }),
    button(t("Cancel"), cancel, "secondary", { id: "reveal-cancel" }),
  );
}

// A heading from the text when there is no title: whole words, and an ellipsis where it stops.
function shortened(text, max = 60) {
  const line = text.split("\n")[0];
  const chars = Array.from(line);
  if (line === text && chars.length <= max) return text;
  const cut = chars.slice(0, max + 1).join("");
  const words = chars.length <= max ? line : /\S\s/u.test(cut) ? cut.replace(/\s+\S*$/u, "") : chars.slice(0, max).join("");
  return words.replace(/[\s,;:.\-–—]+$/u, "") + "…";
}

// The heading names the activity; the text follows it only when the heading does not already
// say it all (.live-text is wherever the whole text is).
function liveHeading(def) {
  const text = def.text || "";
  const named = def.title || shortened(text);
  const whole = named === text;
  return [
    h("h2", { id: "live-heading", tabindex: "-1" }, titleIsKind(def) ? null : [h("span", { class: "kind", text: KIND_NAMES[def.kind] }), " "], whole ? h("span", { class: "live-text", text }) : named),
    whole ? null : h("p", { class: "live-text", text }),
  ];
}

// The bar's buttons, the panels and the run-sheet (several buttons a step) come before the live
// activity in the keyboard's order: the console's first stop leads straight past them, to here
// (shown only when it has the focus).
export function skipToLive() {
  return h("a", {
    href: "#live-heading", class: "skip-link", text: t("Skip to the live activity"),
    onclick: (event) => {
      event.preventDefault(); // no "#" in the address: the console reads a new link there
      document.querySelector("#live-heading")?.focus();
    },
  });
}

// The live card, drawn again: a control pressed there that is gone (Close answers, once closed)
// leaves the focus on the card's heading, one Tab before what comes next.
export function renderLive(el) {
  redrawKeepingFocus(el, () => drawLive(el), () => el.querySelector("#live-heading"));
}

function drawLive(el) {
  const view = state.view;
  const a = view.activity;
  if (!a) {
    replace(
      el,
      h("h2", { id: "live-heading", tabindex: "-1", text: t("Nothing live") }), // the run-sheet's skip link lands here
      h("p", { class: "hint", text: view.trend ? t("The display shows a trend from past sessions; phones wait.") : isLead() ? t("Phones wait and the display shows how to join. Open the next step of the plan, or a new activity.") : t("Phones wait and the display shows how to join, until the facilitator opens something.") }),
      timerStarter(null),
    );
    return;
  }
  const def = shownActivity(a.definition); // in this console's language where it has one
  const answers = takesAnswers(def);
  const status = answers
    ? { open: t("Open: taking answers"), closed: t("Closed"), revealed: t("Revealed on screens") }[a.status]
    : t("On screens (nothing to answer)");
  const lead = isLead();
  replace(
    el,
    liveHeading(def),
    h("p", { class: `badge ${a.status}`, id: "live-status", text: status }),
    // where the written answers are while the counter climbs and the side column stays empty
    lead && takesWrittenAnswers(def) && a.status === "open"
      ? h("p", { class: "hint", id: "written-hint", text: t("Written answers stay unread until you close answers; then they come to you to review, and none reaches the display unless you release it.") })
      : null,
    // closing, revealing, clearing and paper answers are the facilitator's (the server refuses
    // them from a co-facilitator): a co-facilitator's console says so instead
    lead
      ? h(
          "div",
          { class: "row live-actions" },
          answers && a.status === "open" ? commandButton(t("Close answers"), { type: "close" }) : null,
          answers && a.status !== "revealed" && !isWritten(def) ? revealControl(a, el) : null,
          commandButton(t("Clear"), { type: "clear" }, "secondary"),
        )
      : h("p", { class: "hint co-hint", text: t("The facilitator closes, reveals and clears the live activity.") }),
    noteControls(def),
    timerStarter(def),
    renderPreview(a),
    answers && lead ? paperForm({ ...a, definition: def }, view.room, (message, origin) => act(origin, message)) : null,
    a.status === "revealed" && view.results ? h("section", { class: "results", "aria-label": t("Results") }, h("h3", { text: t("Results") }), renderResults(view.results, def)) : null,
    pageControls(),
  );
  tickClock();
}

const releasedNote = h("p", { id: "queue-released", class: "queue-released", role: "status", tabindex: "-1" });

export function renderQueue(el) {
  const queue = state.view.queue || [];
  if (!queue.length && state.view.activity?.withheld_texts) {
    // fewer than k wrote: the server kept their words from everyone, this console included
    replace(el, h("h2", { id: "queue-heading", tabindex: "-1", text: t("Written answers to review") }),
      h("p", { class: "hint queue-withheld", text: t("Fewer than {k} people wrote, so their answers are not shown to anyone, you included, and none can be released.", { k: state.view.room.k }) }));
    return true;
  }
  if (!queue.length) {
    replace(el);
    return false;
  }
  const released = queue.filter((q) => q.released).length;
  const waiting = queue.filter((q) => q.state === "approved" && !q.released).length;
  // Opened in the side column (after a panel there was scrolled), it starts at its heading.
  const opening = !el.querySelector("#queue-heading");
  const toggle = (item, action, label, cls) => commandButton(label, () => ({ type: "moderate", item: item.id, action: item.state === action ? "pending" : { approved: "approve", hidden: "hide" }[action] }), cls, { "aria-pressed": String(item.state === action) });
  const controls = (item, i) => item.released
    ? h("p", { class: "queue-state", text: t("Released") }) // out on the display: no taking it back
    : h("div", { class: "row", role: "group", "aria-label": t("Answer {n}", { n: i + 1 }) }, toggle(item, "approved", t("Approve"), "secondary"), toggle(item, "hidden", t("Hide"), "quiet"));
  replace(
    el,
    h("h2", { id: "queue-heading", tabindex: "-1", text: t("Written answers to review") }),
    h("p", { class: "hint", text: t("In a shuffled order, never the order they were sent. Nothing reaches the display until you approve and release it; released answers show as one shuffled batch.") }),
    h("ul", { class: "queue-list" }, queue.map((item, i) => h(
      "li",
      { class: `queue-item ${item.state}${item.released ? " released" : ""}` },
      h("p", { class: "queue-text", dir: "auto", text: item.text }), // in its writer's direction
      controls(item, i),
    ))),
    h("div", { class: "row queue-release" },
      commandButton(t("Release approved ({n})", { n: waiting }), { type: "release" }, "", { disabled: waiting === 0 }),
      releasedNote),
  );
  if (opening) el.scrollTop = 0;
  // said once it is in place, and only when it changes, so a screen reader hears it once
  const said = released ? plural("{n} written answer released", "{n} written answers released", released) : "";
  setText(releasedNote, said);
  return true;
}
