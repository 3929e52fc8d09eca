// Telephone numbers in the support card become links that dial them: a person who needs the
// helpline taps it instead of copying digits by hand while upset. A number is 3 to 15 digits,
// perhaps after a "+", with spaces, hyphens or brackets between them. Times ("9:00-17:00"),
// dates ("12.03.2026", "3/12") and a year on its own ("since 2019") stay text.
import { h } from "/static/shared/dom.js";

const CANDIDATE = /(?<![\d:./])\+?\(?\d[\d ()\u00a0-]*\d(?![\d:./]*\d)/g;
const YEAR = /^(19|20)\d\d$/;
// "Text SHOUT to 85258": a line that takes messages, not calls. Said just before the number,
// in the card's words, it opens a message instead (a tap that rang it reached no one).
const TEXTING = /(\b(text|sms|texto|mensaje|mensagem|simse)\b|رسالة|نصية)[^\d]{0,30}$/iu;

// What a tel: link dials, or null: "+44 (0)20 7946 0958" is +442079460958 (the "(0)" is
// dialled only from inside the country, without the "+44").
export function numberOf(text) {
  const international = text.startsWith("+");
  const digits = (international ? text.replace("(0)", "") : text).replace(/\D/g, "");
  if (digits.length < 3 || digits.length > 15 || YEAR.test(digits)) return null;
  return (international ? "+" : "") + digits;
}

// A line of text as strings and tel: (or sms:) links, for h() to take as children.
export function withNumbers(line) {
  const parts = [];
  let from = 0;
  for (const found of line.matchAll(CANDIDATE)) {
    const number = numberOf(found[0]);
    if (!number) continue;
    if (found.index > from) parts.push(line.slice(from, found.index));
    const scheme = TEXTING.test(line.slice(0, found.index)) ? "sms:" : "tel:";
    parts.push(h("a", { href: scheme + number, class: "dial", text: found[0] }));
    from = found.index + found[0].length;
  }
  if (from < line.length) parts.push(line.slice(from));
  return parts;
}
