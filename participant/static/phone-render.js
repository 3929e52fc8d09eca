// The phone's screens while joined: waiting, the live activity (its content note first, the
// question only after "Continue"), answer status, results and shared answers.
import { $, h, replace } from "/static/shared/dom.js";
import { language, t, words } from "/static/shared/i18n.js";
import { pacer } from "/static/shared/pacer.js";
import { offerSides, sideChooser } from "./menu.js";
import { bringIntoViewSoon, keepingFocus, placeIn, startAtTop, typing } from "./phone-place.js";
export { freshScreen } from "./phone-place.js"; // for the screens that end a session (join.js)
import { answerNotShown, persist, phone, saved } from "./phone-state.js";
import { statusText, wordsHidden } from "./status-words.js";
import { renderResults, renderTexts } from "/static/shared/results.js";
import { answerInWords, answerWidget, KIND_NAMES, showClock, takesAnswers, titleIsKind } from "/static/shared/widgets.js";

let renderedKey = "";
let lastAid = null;
let lastStatus = null;
let timerEl = null;
let pacerWidget = null;
let statusEl = null;
let resultsSeen = ""; // the results (and shared answers) last brought into view
const awaiting = new Set(); // activities whose answer this phone sent and has not seen settle
let hooks = { answer() {}, announce() {}, app: null };

// What became of the person's answer is said once, in a live region of its own that outlives every
// redraw: the status line is drawn afresh with its words already in it, which is not read out.
const answerNews = h("div", { id: "answer-news", class: "visually-hidden", role: "status", "aria-live": "polite" });
document.body.append(answerNews);

export function renderHooks(given) {
  hooks = given; // {app, answer(aid, value), announce(text)}
  placeIn(given.app);
}

export function updateStatus() {
  const view = phone.view;
  if (!statusEl || !view?.activity) return;
  const aid = view.activity.id;
  const { text, cls } = statusText(aid, view.activity.status, view.activity.definition?.kind);
  const value = phone.stored[aid];
  const held = phone.pending[aid] && phone.pending[aid].kind !== "pass" && phone.conn?.status !== "live";
  const settled = (value && value.kind !== "pass" && !phone.pending[aid]) || held;
  const open = view.activity.status === "open";
  // Shown on a tap, hidden again on the next: a neighbour may look over at any time. Open, it
  // shows in the answer's own widget; closed, in words here.
  const toggle = (shown) => () => { phone.shown[aid] = shown; render(true); statusEl?.querySelector("button")?.focus(); };
  const showing = phone.shown[aid] && settled;
  // in this phone's words, and only when said (this runs on every redraw)
  const inWords = () => answerInWords({ ...view.activity.definition, ...words(view.activity.definition, language(), phone.track) }, value);
  statusEl.replaceChildren(
    showing && open ? t("Your answer is stored, and showing on this phone.") + " " : text,
    showing && !open ? h("span", { class: "my-answer", dir: "auto", text: " " + t("Your answer: {answer}", { answer: inWords() }) + " " }) : "",
    settled ? h("button", { type: "button", class: "quiet small", text: phone.shown[aid] ? t("Hide my answer") : t("Show my answer"), onclick: toggle(!phone.shown[aid]) }) : "",
    // the room knows this phone answered, but a reopened page never kept what (phone-state.js)
    ...(answerNotShown(aid) ? [" ", h("span", { id: "answer-not-shown", class: "hint", text: t("Since this page was opened again, this phone no longer shows what you answered.") })] : []),
  ); // (a space after the sentence before: the span is inline, and no string ends with one)
  statusEl.className = `answer-status ${cls}`;
  followAnswer(aid, text);
}

// The chosen option is not left highlighted (a neighbour could read it), so the status line is
// the only sign a tap was taken: it is brought into view as the answer leaves and again as it
// settles, and what became of it is said once.
function followAnswer(aid, text) {
  if (phone.pending[aid]) {
    if (!awaiting.has(aid)) {
      awaiting.add(aid);
      bringStatusIntoView(aid);
    }
    return;
  }
  if (!awaiting.delete(aid)) return;
  answerNews.textContent = text.replace(/^✓\s*/, "");
  bringStatusIntoView(aid);
}

// After this task's redraw (the acknowledgement draws the activity again): the status line then
// drawn, if its activity is still the one shown.
function bringStatusIntoView(aid) {
  bringIntoViewSoon(() => (lastAid === aid ? statusEl : null));
}

// Results or shared answers that have just arrived are brought into view (the phone otherwise
// stays where it was scrolled, with them below the fold) and said once.
function showArrived(section, seen) {
  if (!section || seen === resultsSeen) return;
  resultsSeen = seen;
  answerNews.textContent = section.querySelector("h2").textContent;
  if (!typing()) bringIntoViewSoon(() => section);
}

function awayNotice() {
  if (!phone.view?.room.facilitator_away) return null;
  return h("p", { class: "away-notice", role: "status", text: t("The facilitator is reconnecting. Your answers are safe; stay as long as you like.") });
}

// The side this person is on, chosen on the waiting screen or under "More" at any time.
function chooseSide(value) {
  phone.track = value;
  saved.set("track", value);
  phone.conn?.send({ type: "track", track: value });
  render(true); // the activity's words for that side, and both choosers pressed alike
}

function trackChooser() {
  if (!phone.view.room.tracks) return null;
  return sideChooser({ id: "track-title", current: phone.track, choose: chooseSide });
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
  if (note === undefined) return { note, parts: [h("h1", { id: "activity-title", tabindex: "-1", text: t("Before this one") }), contentNote(a.id, def, accepting)] };
  const parts = [h("h1", def.title ? { id: "activity-title", tabindex: "-1", lang: def.lang, dir: "auto", text: def.title } : { id: "activity-title", tabindex: "-1", text: KIND_NAMES[def.kind] || t("Activity") })];
  if (note === "skip") {
    // "You can still answer" below stays true: the way back is here, never pressed for them.
    const back = () => { phone.notes[a.id] = "go"; persist(); render(true); };
    parts.push(h("p", { class: "skipped", text: t("You skipped this one. Take whatever care you need.") }),
      h("button", { type: "button", class: "secondary", text: t("See it after all"), onclick: back }));
    return { note, parts };
  }
  parts.push(h("p", { class: "activity-text", lang: def.lang, dir: "auto", text: def.text }));
  if (phone.view.timer) {
    timerEl = h("p", { class: "timer", role: "timer", "aria-label": t("Time left") });
    parts.push(timerEl);
  }
  if (def.kind === "grounding") {
    pacerWidget = pacer(def, () => phone.conn.serverNow(), { cues: true, timer: () => phone.view?.timer ?? null });
    parts.push(pacerWidget.el);
  }
  // Sent words are not left in the box for a neighbour: the status says where they went.
  if (wordsHidden(a.id)) return { note, parts };
  const { pending, stored, shown } = phone;
  const drafts = draftsShowing(a.id);
  if (accepting) {
    // Once stored, an answer is not left highlighted for a neighbour to read; a tap shows it.
    // One being sent shows for the moment it takes; one held while offline (for minutes,
    // perhaps) is hidden as a stored one is.
    const sending = pending[a.id] && (phone.conn?.status === "live" || shown[a.id]);
    const mine = sending ? pending[a.id] : shown[a.id] ? stored[a.id] : null;
    // An answer sent again is hidden again, as the first one was.
    const send = (value) => { delete shown[a.id]; hooks.answer(a.id, value); };
    const widget = answerWidget(def, { stored: mine, send, drafts, aid: a.id });
    if (widget) parts.push(widget);
    return { note, parts, widget };
  } else if (def.kind === "reflection") {
    // Closing takes only sharing away: the private note stays, to read and go on writing,
    // until the step changes (its words then say it stays on this phone).
    parts.push(answerWidget({ ...def, share: false }, { stored: null, send: () => {}, drafts, aid: a.id }));
  }
  return { note, parts };
}

// The drafts, where shared words the person asked to see again stand in for the note (a shared
// note leaves the phone's storage), so "Show my answer" shows them in the box.
function draftsShowing(aid) {
  const { drafts, shown, stored } = phone;
  const words = shown[aid] && stored[aid]?.kind === "text" ? stored[aid].text : undefined;
  if (words === undefined) return drafts;
  return new Proxy(drafts, { get: (target, key) => (key === aid ? (target[key] ?? words) : target[key]) });
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
  // An answer shown on a tap hides again when answers close or results come: they draw eyes.
  if (a && !announceNew && a.status !== lastStatus) delete shown[a.id];
  lastAid = a?.id ?? null;
  lastStatus = a?.status ?? null;
  renderedKey = key;
  timerEl = pacerWidget = statusEl = null;
  keepingFocus($("#menu-sides"), () => offerSides(!!view.room.tracks, phone.track, chooseSide));
  if (!a) {
    keepingFocus(hooks.app, () => replace(hooks.app, awayNotice(), h("h1", { text: t("You're in") }),
      h("p", { class: "waiting", text: t("Waiting for the next activity. It will appear here by itself.") }), trackChooser()));
    return;
  }
  // The words in this phone's language and for its side; options keep their positions.
  const def = { ...a.definition, ...words(a.definition, language(), phone.track) };
  const accepting = a.status === "open" && takesAnswers(def);
  const { note, parts, widget } = activityParts(a, def, accepting);
  // The kind above the heading, unless the heading already is the kind (no title: "POLL" over
  // "Poll" said it twice; or a title that is the kind's name).
  const headedByKind = note !== undefined && (!def.title || titleIsKind(def));
  parts.unshift(awayNotice(), headedByKind ? null : h("p", { class: "kind", text: KIND_NAMES[def.kind] ?? t("Activity") }));
  if (takesAnswers(def) && note !== undefined) {
    statusEl = h("p", { class: "answer-status" }); // said through answerNews, once
    // A reopened page has an empty box (or no choice) where the answer was: what became of
    // it comes first, or someone writes and shares it again, below the fold, unaware.
    const above = answerNotShown(a.id) ? parts.indexOf(widget) : -1;
    if (above >= 0) parts.splice(above, 0, statusEl);
    else parts.push(statusEl);
    // Once passed, the status says so and there is nothing more to press; once answered,
    // passing takes the answer back, and the button says it does instead of adding to it.
    const mine = stored[a.id]?.kind;
    if (accepting && mine !== "pass") parts.push(h("button", { type: "button", class: "secondary pass", text: mine ? t("Pass instead") : t("Pass"), onclick: () => hooks.answer(a.id, { kind: "pass" }) }));
  }
  let arrived = null;
  if (note !== undefined && note !== "skip") {
    if (a.status === "revealed" && view.results) {
      arrived = h("section", { class: "results", "aria-label": t("Results") }, h("h2", { text: t("What the group said") }), renderResults(view.results, def));
      parts.push(arrived);
    }
    const cards = renderTexts(view.texts);
    if (cards) {
      const texts = h("section", { class: "texts", "aria-label": t("Shared answers") }, h("h2", { text: t("Shared answers") }), cards);
      parts.push(texts);
      arrived ??= texts;
    }
  }
  const focusLost = keepingFocus(hooks.app, () => replace(hooks.app, h("section", { class: "activity", "aria-labelledby": "activity-title" }, parts)));
  const focused = announceNew && startAtTop(focusLost); // said once: by its title, else below
  showArrived(arrived, JSON.stringify([a.id, view.results, view.texts]));
  updateStatus();
  tick();
  if (announceNew && !focused) hooks.announce(def.content_note && note === undefined ? t("New: an activity with a content note") : t("New: {title}", { title: def.title || KIND_NAMES[def.kind] }));
}

// The session is over on this phone (it left, or the session ended): what was on screen stops
// ticking, so a grounding circle left behind neither buzzes nor reads a connection now gone.
export function forgetScreen() {
  timerEl = pacerWidget = statusEl = null;
  renderedKey = "";
  lastAid = null;
  clearNews();
}

// The hidden status lines say nothing once their news is stale: a screen reader's cursor still
// reaches them, where "your answer is stored" after Leave, or English after a switch, misleads.
export function clearNews() {
  answerNews.textContent = "";
  document.getElementById("announce").textContent = "";
}

export function tick() {
  const timer = phone.view?.timer;
  if (timerEl && timer) {
    showClock(timerEl, timer, phone.conn.remainingMs(timer));
  }
  if (pacerWidget) pacerWidget.tick();
}
