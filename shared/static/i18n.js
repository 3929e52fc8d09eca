// The pages' languages: the catalogue the server serves (/i18n/<lang>.json, from the same .po
// files as the server's), t() and plural() over it, <html lang dir>, and the phone's choice of
// content words (its language, its side). Nothing here is sent to the server but `lang` itself
// in hello; the choice lives in this tab's sessionStorage and goes with it.

let KEY = "hearth.lang"; // the phone's; the console and the display each keep their own

// Which screen this is ("display", "console"): its choice is kept apart from the others'.
export function forScreen(name) {
  KEY = `hearth.${name}.lang`;
}
export const SHIPPED = Object.freeze(["en", "es", "pt-BR", "fr", "de", "ar"]);
let current = { lang: "en", dir: "ltr", languages: [], messages: {} };
let here = translator(current); // t() and plural() over `current`, made again on each load

// The shipped language this browser prefers most: exact tag, then its base ("pt-PT" -> pt-BR).
export function pickLanguage(preferred = navigator.languages || [navigator.language]) {
  const lower = new Map(SHIPPED.map((tag) => [tag.toLowerCase(), tag]));
  for (const raw of preferred) {
    const tag = String(raw || "").toLowerCase();
    if (lower.has(tag)) return lower.get(tag);
    const base = tag.split("-")[0];
    if (base === "pt") return "pt-BR";
    if (lower.has(base)) return lower.get(base);
  }
  return "en";
}

// The person's own choice, if they made one in this tab; otherwise the browser's.
export function chosenLanguage() {
  let saved = null;
  try { saved = sessionStorage.getItem(KEY); } catch { /* storage off: the browser's */ }
  return SHIPPED.includes(saved) ? saved : pickLanguage();
}

export function remember(lang = current.lang) {
  try { sessionStorage.setItem(KEY, lang); } catch { /* nothing kept, nothing lost */ }
}

// Fetch and switch to a catalogue; sets <html lang dir>. Falls back to English on failure.
export async function load(lang, root = document.documentElement) {
  const wanted = lang || chosenLanguage();
  const tag = SHIPPED.includes(wanted) ? wanted : "en";
  const response = await fetch(`/i18n/${tag}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`no catalogue for ${tag}`);
  current = await response.json();
  here = translator(current);
  if (root) {
    root.lang = current.lang;
    root.dir = current.dir;
  }
  return current;
}

// Another catalogue beside the current one (the projector's second language), with its own t()
// and plural() (its own plural rules and number format). Nothing global changes: the caller
// keeps what this returns (display.js keeps only the last one asked for).
export async function translatorFor(lang) {
  const response = await fetch(`/i18n/${lang}.json`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`no catalogue for ${lang}`);
  return translator(await response.json());
}

export const language = () => current.lang;
export const direction = () => current.dir;
export const languages = () => current.languages;

// A language tag's base: "pt" for "pt-BR".
export const baseTag = (tag) => (tag || "").split("-")[0];

function fill(text, values) {
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

// t() and plural() over one catalogue ({lang, dir, messages}), with that language's plural
// rules: the page's own (t, plural below) and any other (translatorFor).
function translator(catalogue) {
  const rules = new Intl.PluralRules(catalogue.lang);
  const number = new Intl.NumberFormat(catalogue.lang);
  // A message in this language; the English msgid when it has no translation.
  const say = (msgid, values) => {
    const entry = catalogue.messages[msgid];
    return fill(typeof entry === "string" && entry ? entry : msgid, values);
  };
  // A plural message: the catalogue holds one text per CLDR category (one, few, other...).
  const count = (singular, pluralText, n, values = {}) => {
    const entry = catalogue.messages[singular];
    const all = { n: number.format(n), ...values };
    if (entry && typeof entry === "object") return fill(entry[rules.select(n)] ?? entry.other, all);
    return fill(n === 1 ? singular : pluralText, all);
  };
  return { lang: catalogue.lang, dir: catalogue.dir, t: say, plural: count };
}

// A message in the current language; the English msgid when it has no translation.
export function t(msgid, values) {
  return here.t(msgid, values);
}

// A plural message in the current language, by its plural rules.
export function plural(singular, pluralText, n, values = {}) {
  return here.plural(singular, pluralText, n, values);
}

// The words a page's own markup carries (data-i18n="msgid"), in the current language.
export function translateMarkup(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", t(el.dataset.i18nLabel));
}

const PHONE_FIELDS = ["title", "text", "content_note", "options", "low_label", "high_label"];

// The entry of `group` ({tag: words}) for `lang`: the same tag, else one of the same base.
export function inLanguage(group, lang) {
  if (!group) return null;
  if (group[lang]) return group[lang];
  const match = Object.keys(group).find((tag) => baseTag(tag) === baseTag(lang));
  return match ? group[match] : null;
}

// What a phone shows of an activity definition (from a view): for each field, its side's words
// in its language, then the activity's words in its language, then its side's words in the
// activity's own language, then the activity's own. `lang` says which language the words are in.
export function words(definition, lang = current.lang, side = null) {
  const own = definition || {};
  const sides = own.sides || {};
  const mine = side && sides[side] ? sides[side] : null;
  const find = (group) => inLanguage(group, lang);
  const layers = [
    [mine && find(mine.translations), lang],
    [find(own.translations), lang],
    [mine, own.lang],
    [own, own.lang],
  ];
  const out = { lang: own.lang || null };
  for (const field of PHONE_FIELDS) {
    for (const [layer, tag] of layers) {
      const value = layer ? layer[field] : undefined;
      if (value !== undefined && value !== null && value !== "") {
        out[field] = value;
        // The words' language is the text's; a note-only step (the projector before Show
        // text) carries no text, so there it is the note's.
        const says = field === "text" || (field === "content_note" && own.text === undefined);
        if (says) out.lang = tag || own.lang || null;
        break;
      }
    }
  }
  return out;
}

// The support card a screen shows (a view's support_card: text in its first language `lang`,
// and translations): this screen's language, then one of the same base ("pt" for "pt-BR"), then
// the first. `lang` says which language the text is in (null when the card did not say).
export function cardWords(card, lang = current.lang) {
  if (!card) return { text: "", lang: null };
  const all = { ...(card.translations || {}) };
  if (card.lang && card.text) all[card.lang] = card.text;
  const tag = all[lang] ? lang : Object.keys(all).find((other) => baseTag(other) === baseTag(lang));
  if (tag) return { text: all[tag], lang: tag };
  if (card.text) return { text: card.text, lang: card.lang || null };
  const [first] = Object.keys(all);
  return first ? { text: all[first], lang: first } : { text: "", lang: null };
}
