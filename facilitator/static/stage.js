// What the projector shows, drawn from the display's view: the lobby, the activity (or only its
// content note, until the facilitator shows the text), results once revealed, released answers
// a page at a time, the timer, the grounding pacer, a trend. After each change the stage is
// fitted to the screen (fit.js), so nothing is ever cut off.
import { formatClock, h, replace, svgFrom } from "/static/shared/dom.js";
import { language, t, words } from "/static/shared/i18n.js";
import { pacer } from "/static/shared/pacer.js";
import { pageNow, paginate } from "/static/shared/pages.js";
import { renderResults, renderTexts, renderTrend } from "/static/shared/results.js";
import { KIND_NAMES } from "/static/shared/widgets.js";
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

function lobby(room) {
  return h(
    "section",
    { class: "lobby" },
    h(
      "div",
      { class: "lobby-text" },
      h("h1", { text: t("Join on your phone") }),
      h("p", { class: "lobby-step", text: t("Open {address}", { address: joinAddress(room.join_url) }) }),
      h("p", { class: "lobby-step", text: t("and enter the code") }),
      h("p", { class: "big-code", "aria-label": t("Code {code}", { code: room.code.split("").join(" ") }), text: spaced(room.code) }),
      h("p", { class: "lobby-hint", text: t("We never ask your name. Answers are deleted when the session ends.") }),
    ),
    room.qr_svg ? h("div", { class: "qr" }, svgFrom(room.qr_svg, t("QR code to join the session"))) : null,
  );
}

// Only the note: the text, options and results wait until the facilitator shows them.
function noteFirst(def) {
  return h(
    "section",
    { class: "live note-first" },
    h("p", { class: "kind", text: KIND_NAMES[def.kind] ?? t("Activity") }),
    h("h1", { class: "title", text: t("Content note") }),
    h("p", { class: "text", lang: def.lang, dir: "auto", text: def.content_note }),
    h("p", { class: "hint", text: t("The question will appear here when the room is ready. On your phone you can skip this one.") }),
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
  }

  render(view) {
    this.view = view;
    const room = view.room;
    const key = JSON.stringify([language(), view.activity, view.results, view.texts, !!view.timer, view.trend, view.screen, room.code, room.join_url, room.facilitator_away]);
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
    const idle = view.trend ? h("div", { class: "live" }, renderTrend(view.trend)) : lobby(room);
    const away = room.facilitator_away ? h("p", { class: "away-notice", role: "status", text: t("The facilitator is reconnecting…") }) : null;
    replace(this.el, away, view.activity ? this.activity(view) : idle);
    document.body.classList.toggle("has-activity", !!view.activity);
    this.tick();
    fit(this.el);
  }

  activity(view) {
    const a = view.activity;
    // The display's own language (options keep their positions, so counts stay the same).
    const def = { ...a.definition, ...words(a.definition, language()) };
    if (view.screen?.note_guard) return noteFirst(def);
    const parts = [];
    if (def.title) parts.push(h("h1", { class: "title", lang: def.lang, dir: "auto", text: def.title }));
    parts.push(h("p", { class: "text", lang: def.lang, dir: "auto", text: def.text }));
    const extras = [];
    if (view.timer) {
      this.timerEl = h("p", { class: "timer", role: "timer", "aria-label": t("Time left") });
      extras.push(this.timerEl);
    }
    if (def.kind === "grounding") {
      this.pacerWidget = pacer(def, this.serverNow);
      extras.push(this.pacerWidget.el);
    }
    if (extras.length) parts.push(h("div", { class: "beside" }, extras));
    if (a.status === "revealed" && view.results) {
      parts.push(h("section", { class: "results", "aria-label": t("Results") }, renderResults(view.results, def)));
    } else {
      // The choices, so the room can read them from the back while it answers.
      if (def.options) parts.push(h("ol", { class: "options", lang: def.lang, dir: "auto" }, def.options.map((option) => h("li", { text: option }))));
      if (def.kind === "scale" && def.low_label && def.high_label) parts.push(h("p", { class: "scale-ends", text: `1 = ${def.low_label} · ${def.points} = ${def.high_label}` }));
      if (a.status === "open" && ["poll", "scale", "words", "checkin"].includes(def.kind)) {
        parts.push(h("p", { class: "hint", text: t("Answer on your phone. You can always pass.") }));
      }
    }
    const pages = paginate(view.texts);
    if (pages.length) {
      this.texts = { el: h("section", { class: "texts", "aria-label": t("Shared answers") }), pages, page: -1 };
      parts.push(this.texts.el);
      this.showPage();
    } else if (a.status === "closed") {
      parts.push(h("p", { class: "hint", text: t("Answers are closed.") }));
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
      this.timerEl.textContent = formatClock(ms);
      this.timerEl.classList.toggle("paused", !timer.running);
    }
    if (this.pacerWidget) this.pacerWidget.tick();
    if (this.texts && this.showPage()) fit(this.el);
  }
}
