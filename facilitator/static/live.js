// The centre of the console: the live activity with its controls (close, reveal, show the text
// behind a content note, clear), a timer only where one belongs, the preview of what a reveal
// will show, paper answers, results, and the pages of released answers on the display. The
// moderation queue goes in the side column.
import { formatClock, h, replace } from "/static/shared/dom.js";
import { pageNow, paginate } from "/static/shared/pages.js";
import { renderResults, renderTexts } from "/static/shared/results.js";
import { KIND_NAMES, takesAnswers } from "/static/shared/widgets.js";
import { act, commandButton, state } from "./console-state.js";
import { paperForm } from "./paper.js";

const TURN_CHOICES = [[0, "By hand"], [8, "Every 8 seconds"], [12, "Every 12 seconds"], [20, "Every 20 seconds"], [30, "Every 30 seconds"]];
const TIMED = new Set(["reflection", "grounding"]);

// Written answers are not counted into results: they go through the queue and release instead.
const isText = (def) => def.kind === "prompt" || def.kind === "reflection";

// The timer, in the bar: its clock and what can be done with it now.
export function timerControls() {
  const t = state.view?.timer;
  if (!t) return null;
  const started = t.running || t.remaining_ms < t.duration_ms;
  const clock = h("p", { class: "timer", id: "timer-clock", role: "timer", "aria-label": "Time left" });
  return h(
    "div",
    { class: "bar-group timer-group", role: "group", "aria-label": "Timer" },
    clock,
    !started ? commandButton("Start", { type: "timer", action: "start" }, "", { "data-key": "p" }) : null,
    t.running ? commandButton("Pause", { type: "timer", action: "pause" }, "secondary", { "data-key": "p" }) : null,
    started && !t.running ? commandButton("Resume", { type: "timer", action: "resume" }, "", { "data-key": "p" }) : null,
    commandButton("+1 min", { type: "timer", action: "extend", seconds: 60 }, "secondary"),
    commandButton("Stop timer", { type: "timer", action: "stop" }, "quiet"),
  );
}

// A free timer (a discussion, a prompt): only where an activity has none of its own.
function timerStarter(def) {
  if (state.view.timer || (def && (TIMED.has(def.kind) || takesAnswers(def)))) return null;
  const secs = h("input", { id: "timer-seconds", type: "number", min: "1", max: "3600", value: "120" });
  return h(
    "form",
    { class: "row timer-start", onsubmit: (e) => { e.preventDefault(); act(e.target, { type: "timer", action: "start", seconds: Number(secs.value) }); } },
    h("label", { for: "timer-seconds", text: "Timer length (seconds)" }), secs,
    h("button", { type: "submit", class: "secondary", text: "Start timer" }),
  );
}

export function tickClock() {
  const clock = document.querySelector("#timer-clock");
  const t = state.view?.timer;
  if (clock && t) {
    const note = t.running ? "" : t.remaining_ms < t.duration_ms ? " (paused)" : " (not started)";
    clock.textContent = formatClock(state.conn.remainingMs(t)) + note;
  }
  const page = document.querySelector("#page-now");
  if (page && state.view) {
    const count = paginate(state.view.texts).length;
    page.textContent = `Page ${pageNow(state.view.screen, count, state.conn.serverNow()) + 1} of ${count}`;
  }
}

function noteControls(def) {
  if (!def.content_note) return null;
  const guarded = !!state.view.screen?.note_guard;
  return h(
    "div",
    { class: "note-control" },
    h("p", { class: "hint", text: guarded ? `Content note on the display: “${def.content_note}”. The text is not shown there yet.` : "The display shows the text (its content note came first)." }),
    // the facilitator's call alone: a co-facilitator's console only says where it stands
    state.room.seat === "co" ? null : h("div", { class: "row" }, commandButton(guarded ? "Show the text on the display" : "Put the note back on the display", { type: "show_text", shown: guarded }, guarded ? "" : "secondary")),
  );
}

function pageControls() {
  const texts = state.view.texts || [];
  const count = paginate(texts).length;
  if (!texts.length) return null;
  const screen = state.view.screen || {};
  const current = () => pageNow(screen, count, state.conn.serverNow());
  const turn = h("select", { id: "page-turn" }, TURN_CHOICES.map(([value, label]) => h("option", { value: String(value), text: label })));
  turn.value = String(screen.turn_seconds ?? 0);
  turn.addEventListener("change", () => act(turn, { type: "pages", page: current(), turn_seconds: Number(turn.value) || null }));
  const go = (delta) => () => ({ type: "pages", page: (current() + delta + count) % count, turn_seconds: screen.turn_seconds ?? null });
  return h(
    "section",
    { class: "released", "aria-labelledby": "released-heading" },
    h("h3", { id: "released-heading", text: `Released to the display (${texts.length})` }),
    h("div", { class: "row" },
      h("span", { id: "page-now", class: "page-now", "aria-live": "polite" }),
      count > 1 ? commandButton("Previous page", go(-1), "secondary") : null,
      count > 1 ? commandButton("Next page", go(1), "secondary") : null,
      count > 1 ? h("label", { for: "page-turn", text: "Pages turn" }) : null,
      count > 1 ? turn : null),
    h("details", { class: "released-list" }, h("summary", { text: "Read them here" }), renderTexts(texts)),
  );
}

function renderPreview(a) {
  const preview = state.progress.preview;
  if (!a || a.status === "revealed" || !preview || state.progress.activity !== a.id) return null;
  return h(
    "div",
    { class: "preview" },
    h("h3", { text: "Preview: what a reveal will show" }),
    h("p", { class: "hint", text: "Drawn by the same rule as every screen; nothing is previewed while answers come in." }),
    renderResults(preview, a.definition),
  );
}

export function renderLive(el) {
  const view = state.view;
  const a = view.activity;
  if (!a) {
    replace(
      el,
      h("h2", { id: "live-heading", text: "Nothing live" }),
      h("p", { class: "hint", text: view.trend ? "The display shows a trend from past sessions; phones wait." : "Phones wait and the display shows how to join. Open the next step of the plan, or a new activity." }),
      timerStarter(null),
    );
    return;
  }
  const def = a.definition;
  const answers = takesAnswers(def);
  const status = answers
    ? { open: "Open: taking answers", closed: "Closed", revealed: "Revealed on screens" }[a.status]
    : "On screens (nothing to answer)";
  replace(
    el,
    h("h2", { id: "live-heading" }, h("span", { class: "kind", text: KIND_NAMES[def.kind] }), " ", def.title || def.text.slice(0, 60)),
    h("p", { class: "live-text", text: def.text }),
    h("p", { class: `badge ${a.status}`, id: "live-status", text: status }),
    h(
      "div",
      { class: "row live-actions" },
      answers && a.status === "open" ? commandButton("Close answers", { type: "close" }) : null,
      answers && a.status !== "revealed" && !isText(def) ? commandButton("Reveal results", { type: "reveal" }, "", { "data-key": "r" }) : null,
      commandButton("Clear", { type: "clear" }, "secondary"),
    ),
    noteControls(def),
    timerStarter(def),
    renderPreview(a),
    answers ? paperForm(a, view.room, (message, origin) => act(origin, message)) : null,
    a.status === "revealed" && view.results ? h("section", { class: "results", "aria-label": "Results" }, h("h3", { text: "Results" }), renderResults(view.results, def)) : null,
    pageControls(),
  );
  tickClock();
}

export function renderQueue(el) {
  const queue = state.view.queue || [];
  if (!queue.length) {
    replace(el);
    return false;
  }
  const approved = queue.filter((q) => q.state === "approved").length;
  const toggle = (item, action, label, cls) => commandButton(label, () => ({ type: "moderate", item: item.id, action: item.state === action ? "pending" : { approved: "approve", hidden: "hide" }[action] }), cls, { "aria-pressed": String(item.state === action) });
  replace(
    el,
    h("h2", { id: "queue-heading", text: "Written answers to review" }),
    h("p", { class: "hint", text: "In a shuffled order, never the order they were sent. Nothing reaches the display until you approve and release it; released answers show as one shuffled batch." }),
    h("ul", { class: "queue-list" }, queue.map((item, i) => h(
      "li",
      { class: `queue-item ${item.state}` },
      h("p", { class: "queue-text", text: item.text }),
      h("div", { class: "row", role: "group", "aria-label": `Answer ${i + 1}` }, toggle(item, "approved", "Approve", "secondary"), toggle(item, "hidden", "Hide", "quiet")),
    ))),
    h("div", { class: "row queue-release" }, commandButton(`Release approved (${approved})`, { type: "release" }, "", { disabled: approved === 0 })),
  );
  return true;
}
