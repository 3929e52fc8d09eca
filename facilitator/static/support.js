// The console's support-card panel: the card in its first language and in others, so each phone
// shows its own language's card (or the first). The plan's languages get a field each; another
// can be added here. The co-facilitator reads the card in the console's language.
import { cardWords, languages, t } from "/static/shared/i18n.js";
import { h, replace } from "/static/shared/dom.js";
import { act, isLead, state } from "./console-state.js";

const MAX = "2000";

function nameOf(tag) {
  return languages().find((item) => item.lang === tag)?.name ?? tag;
}

function option(tag, chosen) {
  const el = h("option", { value: tag, lang: tag, text: nameOf(tag) });
  el.selected = tag === chosen;
  return el;
}

// One more language's text, labelled with that language's own name.
function languageField(tag, value) {
  const id = "support-text-" + tag;
  const area = h("textarea", { id, rows: "4", maxlength: MAX, lang: tag, dir: "auto", "data-lang": tag });
  area.value = value;
  return h("p", { class: "field support-language" },
    h("label", { for: id, text: t("The card in {language}", { language: nameOf(tag) }) }), area);
}

export function supportPanel(el) {
  const card = state.view.support_card || { text: "", lang: null, translations: {} };
  const hint = h("p", { id: "support-hint", class: "hint", text: t("Local helplines and what to do if someone needs to step out. Phones can open it at any time and see it when the session ends. It is never logged.") });
  if (!isLead()) {
    const { text, lang } = cardWords(card);
    replace(el, hint, h("p", { lang: lang || undefined, dir: "auto", text: text || t("No support card yet.") }));
    return;
  }
  const planned = state.view.runsheet?.plan?.languages ?? [];
  const first = card.lang || planned[0] || "";
  const text = h("textarea", { id: "support-text", rows: "6", maxlength: MAX, "aria-describedby": "support-hint", dir: "auto" });
  text.value = card.text ?? "";
  const tags = [...new Set([first, ...languages().map((item) => item.lang), ...planned].filter(Boolean))];
  const firstLang = h("select", { id: "support-lang" }, h("option", { value: "", text: t("Not said") }), tags.map((tag) => option(tag, first)));
  const known = [...new Set([...planned, ...Object.keys(card.translations || {})])].filter((tag) => tag !== first);
  const others = h("div", { class: "support-others" }, known.map((tag) => languageField(tag, card.translations?.[tag] ?? "")));
  const adder = h("select", { id: "support-add" }, h("option", { value: "", text: t("Add the card in another language…") }), languages().map(({ lang }) => option(lang, null)));
  adder.addEventListener("change", () => {
    const tag = adder.value;
    adder.value = "";
    if (!tag || tag === firstLang.value || others.querySelector("[data-lang='" + tag + "']")) return;
    const added = languageField(tag, "");
    others.append(added);
    added.querySelector("textarea").focus();
  });
  const save = (event) => {
    event.preventDefault();
    const translations = {};
    for (const area of others.querySelectorAll("textarea")) {
      if (area.value.trim() && area.dataset.lang !== firstLang.value) translations[area.dataset.lang] = area.value;
    }
    act(event.target, { type: "support", text: text.value, lang: firstLang.value || null, translations });
  };
  replace(
    el,
    hint,
    h("form", { onsubmit: save },
      h("label", { for: "support-text", class: "visually-hidden", text: t("Support card") }), text,
      h("p", { class: "field" }, h("label", { for: "support-lang", text: t("Language of the card") }), " ", firstLang),
      others,
      h("p", { class: "field" }, h("label", { for: "support-add", class: "visually-hidden", text: t("Add the card in another language…") }), adder),
      h("div", { class: "row" }, h("button", { type: "submit", class: "secondary", text: t("Save the support card") }))),
  );
}
