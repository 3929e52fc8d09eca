// What the phone keeps, and only in sessionStorage (plus one rejoin cookie, rejoin.js), all of it
// cleared on Leave and at the end: ballots, answers not yet acknowledged, answers stored, content
// notes seen, drafts. Also the join code's rules, which the server's page states once.
import { forgetSite } from "/static/shared/connection.js";
import { $ } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";
import { forgetRejoin, keepRejoin } from "./rejoin.js";

export const saved = {
  get(key, fallback = null) {
    try {
      const raw = sessionStorage.getItem(`hearth.${key}`);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    sessionStorage.setItem(`hearth.${key}`, JSON.stringify(value));
  },
};

// Private notes survive a reload (sessionStorage), never the end of the session.
const drafts = new Proxy(saved.get("drafts", {}), {
  set(target, key, value) {
    target[key] = value;
    saved.set("drafts", target);
    return true;
  },
});

export const phone = {
  conn: null,
  view: null,
  drafts,
  shown: {}, // answers the person tapped to see again; otherwise none is left highlighted
  inflight: {},
  errors: {},
  answeredBySnapshot: {},
  ballots: saved.get("ballots", {}),
  pending: saved.get("pending", {}),
  stored: saved.get("stored", {}),
  notes: saved.get("notes", {}), // content notes seen: "go" or "skip"
  pausing: saved.get("pause", false),
  track: saved.get("track", null),
};

export function persist() {
  saved.set("ballots", phone.ballots);
  saved.set("pending", phone.pending);
  saved.set("stored", phone.stored);
  saved.set("notes", phone.notes);
}

export function forgetEverything() {
  sessionStorage.clear();
  forgetRejoin();
  forgetSite();
  Object.assign(phone, { ballots: {}, pending: {}, stored: {}, notes: {}, pausing: false, track: null });
  for (const key of Object.keys(drafts)) delete drafts[key];
  sessionStorage.clear(); // (deleting drafts wrote them back)
}

// The cookie that lets this phone rejoin as itself after its tab was closed.
export function remember(aid = saved.get("lastStored")) {
  const token = saved.get("token");
  const code = saved.get("code");
  if (!token || !code) return;
  const { ballots, stored } = phone;
  const value = aid && ballots[aid] && stored[aid] ? { aid, ballot: ballots[aid], value: stored[aid] } : null;
  keepRejoin({ code, token, answer: value });
}

// -- join codes (the alphabet and length come from server/domain/codes.py, through the page) ---------

const rules = $("#app")?.dataset ?? {};
const ALPHABET = rules.codeAlphabet || "";
const LENGTH = Number(rules.codeLength) || 6;

function cleaned(raw) {
  return (raw || "").toUpperCase().replace(/[\s-]/g, "");
}

export function normaliseCode(raw) {
  const code = cleaned(raw);
  if (code.length !== LENGTH || [...code].some((ch) => !ALPHABET.includes(ch))) return null;
  return code;
}

// Why a typed code cannot be one, in words a person can act on; "" when it could be.
export function whyNotACode(raw) {
  const code = cleaned(raw);
  if (!code) return t("Type the code from the screen: {n} letters and numbers.", { n: LENGTH });
  const odd = [...new Set([...code].filter((ch) => !ALPHABET.includes(ch)))];
  if (odd.length) {
    const shown = odd.map((ch) => `“${ch}”`).join(", ");
    return t("Codes never use {shown}. Check the code on the screen: it uses only {alphabet}.", { shown, alphabet: [...ALPHABET].join(" ") });
  }
  if (code.length < LENGTH) return t("That code is too short: codes have {n} characters, and this has {given}.", { n: LENGTH, given: code.length });
  if (code.length > LENGTH) return t("That code is too long: codes have {n} characters, and this has {given}.", { n: LENGTH, given: code.length });
  return "";
}
