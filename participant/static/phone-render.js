// The phone's screens while joined: waiting, the live activity (its content note first, the
// question only after "Continue"), answer status, results and shared answers.
import { formatClock, h, replace } from "/static/shared/dom.js";
import { language, t, words } from "/static/shared/i18n.js";
import { pacer } from "/static/shared/pacer.js";
import { persist, phone, saved } from "./phone-state.js";
import { renderResults, renderTexts } from "/static/shared/results.js";
import { answerWidget, KIND_NAMES, takesAnswers } from "/static/shared/widgets.js";

let renderedKey = "";
let lastAid = null;
let timerEl = null;
let pacerWidget = null;
let statusEl = null;
let hooks = { answer() {}, announce() {}, app: null };

export function renderHooks(given) {
  hooks = given; // {app, answer(aid, value), announce(text)}
}

function statusText(aid, status) {
  if (phone.errors[aid]) return { text: phone.errors[aid], cls: "error" };
  if (phone.pending[aid]) return { text: t("Sending…"), cls: "sending" };
  const value = phone.stored[aid];
  const known = value || phone.answeredBySnapshot[aid];
  if (status === "open") {
    if (value?.kind === "pass") return { text: "✓ " + t("You passed. You can still answer until it closes."), cls: "stored" };
    if (known) return { text: "✓ " + t("Your answer is stored. It is hidden here; you can change it until it closes."), cls: "stored" };
    return { text: "", cls: "" };
  }
  if (value?.kind === "pass") return { text: "✓ " + t("You passed. Answers are closed now."), cls: "stored" };
  if (known) return { text: "✓ " + t("Your answer was stored. Answers are closed now."), cls: "stored" };
  return { text: t("Answers are closed."), cls: "" };
}

export function updateStatus() {
  const view = phone.view;
  if (!statusEl || !view?.activity) return;
  const aid = view.activity.id;
  const { text, cls } = statusText(aid, view.activity.status);
  const canShow = phone.stored[aid] && phone.stored[aid].kind !== "pass" && !phone.pending[aid] && !phone.shown[aid];
  statusEl.replaceChildren(
    text,
    canShow ? h("button", { type: "button", class: "quiet small", text: t("Show my answer"), onclick: () => { phone.shown[aid] = true; render(true); } }) : "",
  );
  statusEl.className = `answer-status ${cls}`;
}

function awayNotice() {
  if (!phone.view?.room.facilitator_away) return null;
  return h("p", { class: "away-notice", role: "status", text: t("The facilitator is reconnecting. Your answers are safe; stay as long as you like.") });
}

function trackChooser() {
  if (!phone.view.room.tracks) return null;
  const choose = (value) => {
    phone.track = value;
    saved.set("track", value);
    phone.conn.send({ type: "track", track: value });
    render(true);
  };
  const options = [["hurt", t("I was hurt")], ["caused", t("I caused hurt")], ["unsaid", t("I'd rather not say")]];
  return h(
    "section",
    { class: "tracks", "aria-labelledby": "track-title" },
    h("h2", { id: "track-title", text: t("Optional: which side are you on?") }),
    h("p", { class: "hint", text: t("Results may be shown per side, each under the same threshold. You can skip this.") }),
    h("div", { class: "choices", role: "group", "aria-labelledby": "track-title" },
      options.map(([value, label]) => h("button", { type: "button", class: "choice", "aria-pressed": String(phone.track === value), text: label, onclick: () => choose(value) }))),
  );
}

// The note comes before the question: nothing of the activity is on screen until "Continue".
function contentNote(aid, def, accepting) {
  const decide = (choice) => {
    phone.notes[aid] = choice;
    persist();
    if (choice === "skip" && accepting) hooks.answer(aid, { kind: "pass" });
    else render(true);
  };
  return h(
    "div",
    { class: "content-note", role: "note" },
    h("h2", { text: t("Content note") }),
    h("p", { lang: def.lang, dir: "auto", text: def.content_note }),
    h("div", { class: "row" },
      h("button", { type: "button", text: t("Continue"), onclick: () => decide("go") }),
      h("button", { type: "button", class: "secondary", text: t("Skip this one"), onclick: () => decide("skip") })),
  );
}

function activityParts(a, def, accepting) {
  const note = def.content_note ? phone.notes[a.id] : "go";
  if (note === undefined) return { note, parts: [h("h1", { id: "activity-title", text: t("Before this one") }), contentNote(a.id, def, accepting)] };
  const parts = [h("h1", def.title ? { id: "activity-title", lang: def.lang, dir: "auto", text: def.title } : { id: "activity-title", text: KIND_NAMES[def.kind] || t("Activity") })];
  if (note === "skip") {
    parts.push(h("p", { class: "skipped", text: t("You skipped this one. Take whatever care you need.") }));
    return { note, parts };
  }
  parts.push(h("p", { class: "activity-text", lang: def.lang, dir: "auto", text: def.text }));
  if (phone.view.timer) {
    timerEl = h("p", { class: "timer", role: "timer", "aria-label": t("Time left") });
    parts.push(timerEl);
  }
  if (def.kind === "grounding") {
    pacerWidget = pacer(def, () => phone.conn.serverNow(), { cues: true });
    parts.push(pacerWidget.el);
  }
  const { pending, stored, shown, drafts } = phone;
  if (accepting) {
    // Once stored, an answer is not left highlighted for a neighbour to read; a tap shows it.
    const mine = pending[a.id] || (shown[a.id] ? stored[a.id] : null);
    const widget = answerWidget(def, { stored: mine, send: (value) => hooks.answer(a.id, value), drafts, aid: a.id });
    if (widget) parts.push(widget);
  } else if (def.kind === "reflection" && a.status === "open") {
    parts.push(answerWidget(def, { stored: null, send: () => {}, drafts, aid: a.id }));
  }
  return { note, parts };
}

export function render(force) {
  const view = phone.view;
  if (!view) return;
  const a = view.activity;
  const { notes, stored, pending, shown } = phone;
  const key = JSON.stringify([a?.id, a?.status, view.results, view.texts, view.room.tracks, view.room.facilitator_away, !!view.timer, phone.track, a && notes[a.id], a && stored[a.id], a && pending[a.id], a && shown[a.id]]);
  if (!force && key === renderedKey) {
    updateStatus();
    return;
  }
  const announceNew = a && a.id !== lastAid;
  lastAid = a?.id ?? null;
  renderedKey = key;
  timerEl = pacerWidget = statusEl = null;
  if (!a) {
    replace(hooks.app, awayNotice(), h("h1", { text: t("You're in") }),
      h("p", { class: "waiting", text: t("Waiting for the next activity. It will appear here by itself.") }), trackChooser());
    return;
  }
  // The words in this phone's language and for its side; options keep their positions.
  const def = { ...a.definition, ...words(a.definition, language(), phone.track) };
  const accepting = a.status === "open" && takesAnswers(def);
  const { note, parts } = activityParts(a, def, accepting);
  // The kind above the heading, unless the heading already is the kind (no title: "POLL" over
  // "Poll" said it twice).
  const headedByKind = note !== undefined && !def.title;
  parts.unshift(awayNotice(), headedByKind ? null : h("p", { class: "kind", text: KIND_NAMES[def.kind] ?? t("Activity") }));
  if (takesAnswers(def) && note !== undefined) {
    statusEl = h("p", { class: "answer-status", role: "status", "aria-live": "polite" });
    parts.push(statusEl);
    if (accepting) parts.push(h("button", { type: "button", class: "secondary pass", text: t("Pass"), onclick: () => hooks.answer(a.id, { kind: "pass" }) }));
  }
  if (note !== undefined && note !== "skip") {
    if (a.status === "revealed" && view.results) {
      parts.push(h("section", { class: "results", "aria-label": t("Results") }, h("h2", { text: t("What the group said") }), renderResults(view.results, def)));
    }
    const cards = renderTexts(view.texts);
    if (cards) parts.push(h("section", { class: "texts", "aria-label": t("Shared answers") }, h("h2", { text: t("Shared answers") }), cards));
  }
  replace(hooks.app, h("section", { class: "activity", "aria-labelledby": "activity-title" }, parts));
  updateStatus();
  tick();
  if (announceNew) hooks.announce(def.content_note && note === undefined ? t("New: an activity with a content note") : t("New: {title}", { title: def.title || KIND_NAMES[def.kind] }));
}

export function tick() {
  const timer = phone.view?.timer;
  if (timerEl && timer) {
    const state = timer.running ? "" : timer.remaining_ms < timer.duration_ms ? t("paused") : t("not started");
    timerEl.replaceChildren(formatClock(phone.conn.remainingMs(timer)), state ? h("span", { class: "timer-state", text: state }) : "");
    timerEl.classList.toggle("paused", !timer.running);
  }
  if (pacerWidget) pacerWidget.tick();
}
