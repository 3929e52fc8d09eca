// A plan's and its activities' words as the console shows them: in the console's language
// where the plan carries it, else the plan's first language, as phones and the display pick
// theirs (words() in shared/static/i18n.js). A plan from the library comes in the console's
// language first already (server/domain/rooting.py); this serves the others, and a console
// whose language changes. Edit starts from these words (console.js); the plan file, the copy
// the room keeps and what is sent to the room keep the plan as it is.
import { formatClock, h } from "/static/shared/dom.js";
import { inLanguage, language, t, words } from "/static/shared/i18n.js";
import { KIND_NAMES } from "/static/shared/widgets.js";

const PLAN_FIELDS = ["title", "summary", "content_note", "notes", "practice"];

// An activity definition with its title, text, options, labels, content note and facilitator
// notes in `lang` where it has them.
export function shownActivity(definition, lang = language()) {
  const notes = inLanguage(definition.translations, lang)?.facilitator_notes;
  return { ...definition, ...words(definition, lang), facilitator_notes: notes || definition.facilitator_notes };
}

// A set-aside activity's title (a view's {title, titles}) in `lang` where it has one.
export const titleIn = (named, lang = language()) => inLanguage(named.titles, lang) || named.title;

// A plan with its own words (title, summary, notes...) in `lang` where it has them.
export function shownPlan(plan, lang = language()) {
  const mine = inLanguage(plan.translations, lang) || {};
  const out = { ...plan };
  for (const field of PLAN_FIELDS) if (mine[field]) out[field] = mine[field];
  return out;
}

// What the run-sheet says about the plan and the current step, above the steps: the content
// note, the preparation notes and the notes for this step (the co-facilitator's too), in the
// console's language where the plan has it.
export function planNotes(source, index) {
  const plan = shownPlan(source);
  const step = source.items[index]?.activity;
  const notes = step ? shownActivity(step).facilitator_notes : null;
  return [
    plan.content_note ? h("p", { class: "note", text: t("Content: {note}", { note: plan.content_note }) }) : null,
    plan.notes ? h("details", {}, h("summary", { text: t("Preparation notes") }), h("p", { class: "notes", text: plan.notes })) : null,
    // named, not "this step": an activity opened on the spot runs while the plan stays at its step
    notes ? h("div", { class: "facilitator-notes" }, h("h3", { text: t("Notes for step {n}: {name}", { n: index + 1, name: stepTitle(source.items[index]) }) }), h("p", { text: notes })) : null,
  ];
}

export function stepTitle(item) {
  const shown = shownActivity(item.activity);
  return shown.title || shown.text.slice(0, 50);
}

// The timer a timed step opens with when its plan names none (server/domain/activities.py).
const TIMER_SECONDS = { reflection: 180, grounding: 120 };

// A step's line in the list: its kind, its name, its planned minutes and, for a timed step,
// its timer: a reflection planned for 8 minutes may time 3 of them, and "8 min" alone read as
// the clock it would start.
export const stepSeconds = (a) => a.seconds ?? TIMER_SECONDS[a.kind] ?? null;

export function stepName(item) {
  const a = item.activity;
  const seconds = stepSeconds(a);
  const extras = [
    item.minutes ? t("{n} min", { n: item.minutes }) : null,
    seconds ? t("timer {clock}", { clock: formatClock(seconds * 1000) }) : null,
  ].filter(Boolean);
  return h("span", { class: "step-name" }, h("span", { class: "kind", text: KIND_NAMES[a.kind] }), ` ${stepTitle(item)}`,
    ...extras.flatMap((text) => [" · ", h("span", { class: "step-minutes", text })]));
}
