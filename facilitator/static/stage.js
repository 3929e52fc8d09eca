// What the projector shows, drawn from the display's view: the lobby, the activity (or only its
// content note, until the facilitator shows the text), results once revealed, released answers
// a page at a time, the timer, the grounding pacer, a trend. After each change the stage is
// fitted to the screen (fit.js), so nothing is ever cut off.
import { h, replace, svgFrom } from "/static/shared/dom.js";
import { baseTag, language, t, words } from "/static/shared/i18n.js";
import { pacer } from "/static/shared/pacer.js";
import { pageNow, paginate } from "/static/shared/pages.js";
import { isolated, marked, renderResults, renderTexts, scaleEnds } from "/static/shared/results.js";
import { renderTrend } from "/static/shared/trend.js";
import { line } from "/static/shared/twins.js";
import { kindNames, showClock } from "/static/shared/widgets.js";
import { fit } from "./fit.js";

export function joinAddress(url) {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

export function spaced(code) {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

function lobby(room, say) {
  if (room.locked) return lockedLobby(room, say);
  const address = { address: marked([joinAddress(room.join_url)]) };
  return h(
    "section",
    { class: "lobby" },
    h(
      "div",
      { class: "lobby-text" },
      say("h1", "lobby-title", (t) => t("Join on your phone")),
      // the address stays left to right on a right-to-left screen ("join/127.0.0.1:8741" was
      // drawn on an Arabic projector)
      ...isolated(say("p", "lobby-step", (t) => t("Open {address}", address)), { dir: "ltr" }),
      say("p", "lobby-step", (t) => t("and enter the code")),
      h("p", { class: "big-code", dir: "ltr", "aria-label": t("Code {code}", { code: room.code.split("").join(" ") }), text: spaced(room.code) }),
      ...promises(room, say),
    ),
    room.qr_svg ? h("div", { class: "qr" }, svgFrom(room.qr_svg, t("QR code to join the session"))) : null,
  );
}

// A locked room asks no one to join: no address, code or QR code for a late arrival to try
// (their phone would only be turned away). Said quietly, to a room that is all there, above
// the lobby's promises.
function lockedLobby(room, say) {
  return h(
    "section",
    { class: "lobby" },
    h("div", { class: "lobby-text" }, say("h1", "lobby-step", (t) => t("This session is not taking new people.")), ...promises(room, say)),
  );
}

function promises(room, say) {
  return [
    say("p", "lobby-hint", (t) => t("We never ask your name. Answers are deleted when the session ends.")),
    say("p", "lobby-hint", (t, _, plural) => plural("In a small group, results may still hint at who answered — which is why no result is shown until at least {n} person answered.", "In a small group, results may still hint at who answered — which is why no result is shown until at least {n} people answered.", room.k)),
  ];
}

// Content in the second language, beneath the first and smaller, when it says something else.
function twin(cls, text, first, lang) {
  return text && text !== first ? h("p", { class: `${cls} twin`, lang, dir: "auto", text }) : null;
}

// The kinds that ask a question (a prompt, a reflection or grounding behind a note is not one).
const QUESTIONS = ["poll", "scale", "words", "checkin"];

// Only the note: the text, options and results wait until the facilitator shows them.
function noteFirst(def, alt, say) {
  return h(
    "section",
    { class: "live note-first" },
    say("p", "kind", (t) => kindNames(t)[def.kind] ?? t("Activity")),
    say("h1", "title", (t) => t("Content note")),
    h("p", { class: "text", lang: def.lang, dir: "auto", text: def.content_note }),
    twin("text", alt?.content_note, def.content_note, alt?.lang),
    QUESTIONS.includes(def.kind)
      ? say("p", "hint", (t) => t("The question will appear here when the room is ready. On your phone you can skip this one."))
      : say("p", "hint", (t) => t("What follows will appear here when the room is ready. On your phone you can skip it.")),
  );
}

export class Stage {
  constructor(el, serverNow) {
    this.el = el;
    this.serverNow = serverNow;
    this.view = null;
    this.key = "";
    this.timerEl = null;
    this.pacerWidget = null;
    this.texts = null; // {el, pages, page} while released answers are on screen
    this.second = null; // {lang, dir, t}: the projector's second language (display.js), or null
    this.say = this.say.bind(this);
  }

  // A line of the page's own words in the display's language and, beneath it in the second
  // language (a paragraph, smaller: display.css .twin), when that says something else. `said`
  // is (t, second, plural) => t("msgid", values), as in shared/static/twins.js. An array: spread it.
  say(tag, cls, said) {
    return line(this.second, tag, cls, said, "p");
  }

  // The activity's words in the second language, when it has its own (not a fallback).
  secondWords(definition, first) {
    if (!this.second) return null;
    const other = words(definition, this.second.lang);
    if (baseTag(other.lang) !== baseTag(this.second.lang) || baseTag(first.lang) === baseTag(this.second.lang)) return null;
    return other;
  }

  render(view) {
    this.view = view;
    const room = view.room;
    const key = JSON.stringify([language(), this.second?.lang, view.activity, view.results, view.texts, !!view.timer, view.trend, view.screen, room.code, room.k, room.join_url, room.locked, room.facilitator_away]);
    if (key === this.key) return;
    this.key = key;
    this.timerEl = null;
    this.pacerWidget = null;
    this.texts = null;
    if (view.screen?.blank) {
      // Blank: the server sent nothing to show, and the page shows nothing either.
      this.el.replaceChildren();
      document.body.classList.remove("has-activity");
      return;
    }
    const idle = view.trend ? h("div", { class: "live" }, renderTrend(view.trend, this.second)) : lobby(room, this.say);
    const away = room.facilitator_away ? h("div", { role: "status" }, this.say("p", "away-notice", (t) => t("The facilitator is reconnecting…"))) : null;
    replace(this.el, away, view.activity ? this.activity(view) : idle);
    document.body.classList.toggle("has-activity", !!view.activity);
    this.tick();
    fit(this.el);
  }

  activity(view) {
    const a = view.activity;
    // The display's own language (options keep their positions, so counts stay the same).
    const def = { ...a.definition, ...words(a.definition, language()) };
    const alt = this.secondWords(a.definition, def); // the second language's, or null
    if (view.screen?.note_guard) return noteFirst(def, alt, this.say);
    const parts = [];
    if (def.title) parts.push(h("h1", { class: "title", lang: def.lang, dir: "auto", text: def.title }), twin("title", alt?.title, def.title, alt?.lang));
    parts.push(h("p", { class: "text", lang: def.lang, dir: "auto", text: def.text }), twin("text", alt?.text, def.text, alt?.lang));
    const extras = [];
    if (view.timer) {
      this.timerEl = h("p", { class: "timer", role: "timer", "aria-label": t("Time left") });
      extras.push(this.timerEl);
    }
    if (def.kind === "grounding") {
      this.pacerWidget = pacer(def, this.serverNow, { second: this.second, timer: () => this.view?.timer ?? null });
      extras.push(this.pacerWidget.el);
    }
    if (extras.length) parts.push(h("div", { class: "beside" }, extras));
    if (a.status === "revealed" && view.results) {
      // Beneath each of the results' lines: the second language's page words (its t) and, when
      // the activity has its own wording there, its options.
      const content = { options: alt?.options ?? null, low_label: alt?.low_label ?? null, high_label: alt?.high_label ?? null };
      const labelled = this.second ? { ...def, twin: { ...this.second, ...content } } : def;
      parts.push(h("section", { class: "results", "aria-label": t("Results") }, renderResults(view.results, labelled)));
    } else {
      // The choices, so the room can read them from the back while it answers.
      const beneath = (i) => (alt?.options?.[i] && alt.options[i] !== def.options[i] ? h("span", { class: "twin", lang: alt.lang, dir: "auto", text: alt.options[i] }) : null);
      if (def.options) parts.push(h("ol", { class: "options", lang: def.lang, dir: "auto" }, def.options.map((option, i) => h("li", {}, option, beneath(i)))));
      if (def.kind === "scale") parts.push(...scaleEnds({ ...def, twin: alt }, def.points));
      if (a.status === "open" && ["poll", "scale", "words", "checkin"].includes(def.kind)) {
        parts.push(...this.say("p", "hint", (t) => t("Answer on your phone. You can always pass.")));
      }
    }
    const pages = paginate(view.texts);
    if (pages.length) {
      this.texts = { el: h("section", { class: "texts", "aria-label": t("Shared answers") }), pages, page: -1 };
      parts.push(this.texts.el);
      this.showPage();
    } else if (a.status === "closed") {
      parts.push(...this.say("p", "hint", (t) => t("Answers are closed.")));
    }
    return h("section", { class: `live kind-${def.kind}` }, parts);
  }

  // Returns true when the page changed (the stage is then fitted again).
  showPage() {
    const shown = this.texts;
    const page = pageNow(this.view.screen, shown.pages.length, this.serverNow());
    if (page === shown.page) return false;
    shown.page = page;
    replace(
      shown.el,
      renderTexts(shown.pages[page]),
      shown.pages.length > 1 ? h("p", { class: "page-of", text: `${page + 1} / ${shown.pages.length}` }) : null,
    );
    return true;
  }

  tick() {
    const timer = this.view?.timer;
    if (this.timerEl && timer) {
      const ms = timer.running && timer.deadline_ms !== null ? timer.deadline_ms - this.serverNow() : timer.remaining_ms;
      showClock(this.timerEl, timer, ms);
    }
    if (this.pacerWidget) this.pacerWidget.tick();
    if (this.texts && this.showPage()) fit(this.el);
  }
}
