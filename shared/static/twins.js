// The projector's second language (display.js, when the facilitator asks for one): each line of
// Hearth's own words gets its twin in that language beneath it, smaller (display.css .twin).
// `tw` is {lang, dir, t, plural} from i18n.js translatorFor, or null on every other screen.
// `said` is (t, second, plural) => t("msgid", ...) or plural("one", "other", n): called once with
// this screen's t and plural, once with the second language's, so the extractor still finds the
// msgids and each language counts by its own plural rules. `second` is true for the twin.
import { h } from "./dom.js";
import { plural, t } from "./i18n.js";

function both(tw, said) {
  const first = said(t, false, plural);
  const other = tw?.t ? said(tw.t, true, tw.plural) : null;
  return [first, other && other !== first ? other : null];
}

// A line of its own (a paragraph, a heading) and its twin as the next element, same classes;
// the twin is a `twinTag` (the projector's stage: a paragraph beneath a heading, not a heading).
export function line(tw, tag, cls, said, twinTag = tag) {
  const [first, other] = both(tw, said);
  const el = h(tag, { class: cls, text: first });
  return other === null ? [el] : [el, h(twinTag, { class: `${cls} twin`, lang: tw.lang, dir: tw.dir ?? "auto", text: other })];
}

// Words inside a box (a bar's "not shown", a band's count): the text and its twin in the box.
export function inside(tw, said) {
  const [first, other] = both(tw, said);
  return [first, other === null ? null : h("span", { class: "twin", lang: tw.lang, dir: tw.dir ?? "auto", text: other })];
}
