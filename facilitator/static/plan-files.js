// What a plan carries out of the console: a file to keep, a printed run-sheet and handout, and
// the support card it brings with it.
import { h } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";
import { showError, state } from "./console-state.js";
import { saveFile } from "./files.js";
import { printHandout, printRunSheet } from "./printing.js";

// A plan's support card in each of its languages (its first is the plan's own `support`).
export function planCard(plan) {
  const translations = {};
  for (const [tag, words] of Object.entries(plan.translations || {})) {
    if (words?.support) translations[tag] = words.support;
  }
  if (!plan.support && !Object.keys(translations).length) return null;
  return { text: plan.support || "", lang: plan.languages?.[0] ?? null, translations };
}

// The card the handout prints: the room's (what phones show, edits included), else the plan's.
function handoutCard(plan) {
  const room = state.view?.support_card;
  const has = room && (room.text?.trim() || Object.values(room.translations || {}).some((text) => text?.trim()));
  return has ? room : planCard(plan);
}

// The plan kept on this device or on paper.
export function planFiles(plan) {
  return [
    h("button", { type: "button", class: "secondary", text: t("Save plan file"), onclick: () => saveFile(`${slug(plan.title)}.json`, JSON.stringify(plan, null, 2)) }),
    h("button", { type: "button", class: "secondary", text: t("Print run-sheet"), onclick: () => printRunSheet(plan) }),
    h("button", { type: "button", class: "secondary", text: t("Print handout"), onclick: async (event) => {
      if (!(await printHandout(plan, handoutCard(plan)))) showError(event.target, t("Nothing to hand out yet: a handout carries the plan's written prompts and reflections, its practice for the week and the support card, and this plan has none of them."));
    } }),
  ];
}

function slug(title) {
  return (title || "plan").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "plan";
}
