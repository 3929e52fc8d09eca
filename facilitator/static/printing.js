// Paper from the console: the run-sheet (with facilitator notes, for the facilitator) and the
// participant handout (the week's prompts, practice and support card, never a facilitator note).
// Each is laid out in a sheet of its own that only print media shows; then the browser prints.
import { direction, language, plural, t, translatorFor } from "/static/shared/i18n.js";
import { formatClock, h, replace } from "/static/shared/dom.js";
import { isWritten, KIND_NAMES, titleIsKind } from "/static/shared/widgets.js";
import { shownActivity, shownPlan, stepSeconds } from "./plan-words.js";

function sheet() {
  let el = document.querySelector("#print-sheet");
  if (!el) {
    el = h("section", { id: "print-sheet", class: "print-sheet" });
    document.body.append(el);
  }
  return el;
}

function print(kind, ...content) {
  const el = sheet();
  el.dataset.kind = kind;
  replace(el, ...content.flat(Infinity));
  document.body.classList.add("printing");
  window.addEventListener("afterprint", () => document.body.classList.remove("printing"), { once: true });
  window.print();
}

// In the console's language, as the sheet's other words (not the browser's: "6 ديسمبر 2026" in
// a German line read backwards).
function today() {
  return new Date().toLocaleDateString(language(), { day: "numeric", month: "long", year: "numeric" });
}

function paragraphs(text, cls = "") {
  return String(text || "").split(/\n\s*\n/).filter(Boolean).map((part) => h("p", { class: cls, text: part.trim() }));
}

function answersOf(activity) {
  if (activity.options) return h("ul", { class: "options" }, activity.options.map((o) => h("li", { text: o })));
  if (activity.kind === "scale") {
    const ends = [activity.low_label, activity.high_label].filter(Boolean).join(" … ");
    return h("p", { class: "options", text: t("Scale 1–{n}", { n: activity.points || 5 }) + (ends ? `: ${ends}` : "") });
  }
  return null;
}

// The facilitator's paper, in the console's language where the plan carries it, as its run-sheet
// on screen (the handout gives every language).
export function printRunSheet(source) {
  const plan = shownPlan(source);
  let clock = 0;
  const steps = plan.items.map((item, i) => {
    const a = shownActivity(item.activity);
    const seconds = stepSeconds(item.activity);
    const start = clock;
    clock += item.minutes || 0;
    return h(
      "li",
      { class: "run-step" },
      // as the screen's run-sheet says it: the kind once ("3. Poll", not "3. Poll · Poll"), the
      // minutes, and a timed step's timer
      h("h3", {}, `${i + 1}. ${a.title || KIND_NAMES[a.kind]}`, h("span", { class: "when", text: [
        a.title && !titleIsKind(a) ? KIND_NAMES[a.kind] : null,
        item.minutes ? t("{n} min (from {start} min)", { n: item.minutes, start }) : null,
        seconds ? t("timer {clock}", { clock: formatClock(seconds * 1000) }) : null,
      ].filter(Boolean).map((part) => ` · ${part}`).join("") })),
      paragraphs(a.text),
      answersOf(a),
      a.content_note ? h("p", { class: "note", text: t("Content note on phones: {note}", { note: a.content_note }) }) : null,
      a.facilitator_notes ? h("div", { class: "facilitator-notes" }, h("strong", { text: t("Notes:") + " " }), a.facilitator_notes) : null,
    );
  });
  print(
    "run-sheet",
    h("h1", { text: t("Run-sheet: {title}", { title: plan.title }) }),
    h("p", { class: "meta", text: `${today()} · ` + plural("{n} step", "{n} steps", plan.items.length) + (clock ? " · " + t("about {n} minutes", { n: clock }) : "") }),
    plan.content_note ? h("p", { class: "note", text: t("Content: {note}", { note: plan.content_note }) }) : null,
    plan.notes ? [h("h2", { text: t("Preparation") }), paragraphs(plan.notes)] : null,
    h("ol", { class: "run-steps" }, steps),
    plan.practice ? [h("h2", { text: t("Practice for the week (on the handout)") }), paragraphs(plan.practice)] : null,
    plan.support ? [h("h2", { text: t("Support card (on the handout)") }), paragraphs(plan.support)] : null,
  );
}

// A card ({text, lang, translations}) as [lang, text] pairs: its first language, then the others.
function cardLanguages(card) {
  if (!card) return [];
  const all = card.text?.trim() ? [[card.lang || null, card.text]] : [];
  for (const [tag, text] of Object.entries(card.translations || {})) {
    if (text?.trim() && tag !== card.lang) all.push([tag, text]);
  }
  return all;
}

// The support card in every language it has: one paper serves a group that reads several. Each
// is headed in its own language (its catalogue, when Hearth ships one) and marked lang and dir.
async function supportCards(card) {
  const heading = "If you need support between sessions";
  const out = [];
  for (const [tag, text] of cardLanguages(card)) {
    const own = !tag || tag === language();
    const other = own ? null : await translatorFor(tag).catch(() => null);
    const say = other ? other.t : t;
    out.push(h("section", { class: "support-card", lang: own ? null : tag, dir: own ? direction() : other?.dir ?? "auto" },
      h("h2", { text: say(heading), lang: other || own ? null : language() }),
      paragraphs(text)));
  }
  return out;
}

// A plan in several languages (`languages`, its own first): each with its direction, from its
// catalogue when Hearth ships one, else "auto". One language: null (printed as it always was).
async function planLanguages(plan) {
  const tags = plan.languages || [];
  if (tags.length < 2) return null;
  return Promise.all(tags.map(async (tag) => {
    const own = tag === language();
    const other = own ? null : await translatorFor(tag).catch(() => null);
    return { tag, dir: own ? direction() : other?.dir ?? "auto" };
  }));
}

// Words in every language the plan has, its first first, each block marked lang and dir: `of`
// gives the words in one language, or nothing when that language has none (never the first
// language's words twice).
function inEach(langs, of, draw) {
  return langs.map(({ tag, dir }) => {
    const words = of(tag);
    return words ? h("div", { class: "in-language", lang: tag, dir }, draw(words)) : null;
  });
}

function writtenItem(a, langs) {
  const draw = (w) => [w.title ? h("h3", { text: w.title }) : null, ...paragraphs(w.text)];
  if (!langs) return h("section", { class: "handout-item" }, draw(a));
  const own = a.lang || langs[0].tag;
  const of = (tag) => {
    const w = tag === own ? a : a.translations?.[tag];
    return w && (w.title || w.text) ? w : null;
  };
  return h("section", { class: "handout-item" }, inEach(langs, of, draw));
}

function practice(plan, langs) {
  if (!langs) return paragraphs(plan.practice);
  const of = (tag) => (tag === langs[0].tag ? plan.practice : plan.translations?.[tag]?.practice) || null;
  return inEach(langs, of, (text) => paragraphs(text));
}

// The handout: the week's prompts and practice in every language of the plan, then the support
// card in every language it has. With none of them it prints nothing (a title, a date and one
// sentence on a page of its own), and says false.
export async function printHandout(plan, card = null) {
  const written = plan.items.map((item) => item.activity).filter(isWritten);
  if (!written.length && !plan.practice && !cardLanguages(card).length) return false;
  const cards = card && cardLanguages(card).some(([tag]) => tag && tag !== language()) ? await supportCards(card) : null;
  const langs = await planLanguages(plan);
  print(
    "handout",
    h("h1", { text: plan.title }),
    h("p", { class: "meta", text: today() }),
    written.length ? [h("h2", { text: t("To think about this week") }), written.map((a) => writtenItem(a, langs))] : null,
    plan.practice ? [h("h2", { text: t("Practice for the week") }), practice(plan, langs)] : null,
    cards ?? cardLanguages(card).map(([, text]) => h("section", { class: "support-card" }, h("h2", { text: t("If you need support between sessions") }), paragraphs(text))),
    h("p", { class: "meta", text: t("We never ask your name, and answers are deleted when the session ends. In a small group, results may still hint at who answered.") }),
  );
  return true;
}
