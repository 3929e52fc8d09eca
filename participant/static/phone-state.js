// What the phone keeps, and only in sessionStorage (plus one rejoin cookie, rejoin.js), all of it
// cleared on Leave and at the end: ballots, answers not yet acknowledged, choices stored, content
// notes seen, drafts not yet sent. A written answer (a text, words) is kept in memory alone once
// it is stored, for this page's life: sessionStorage is written to disk, and what was written
// there can outlive its deletion in the browser's files (docs/privacy.md). Also the join code's
// rules, which the server's page states once.
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

// Drafts survive a reload (sessionStorage), never their sending, the next activity or the end.
const drafts = new Proxy(saved.get("drafts", {}), {
  set(target, key, value) {
    target[key] = value;
    saved.set("drafts", target);
    return true;
  },
  deleteProperty(target, key) {
    delete target[key];
    saved.set("drafts", target);
    return true;
  },
});

// Kinds whose value is the person's own words: never written to storage once stored.
const WRITTEN = new Set(["text", "words"]);
const unwritten = (answers) => Object.fromEntries(Object.entries(answers).filter(([, value]) => !WRITTEN.has(value?.kind)));

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
  storeAway: "", // the server said its store is out of reach; until a view comes through it
};

export function persist() {
  saved.set("ballots", phone.ballots);
  saved.set("pending", phone.pending);
  saved.set("stored", unwritten(phone.stored));
  saved.set("notes", phone.notes);
}

export function forgetEverything() {
  forgetThisPerson();
  forgetSite();
}

// Whoever used this phone before: their token, answers, drafts and signals go from this tab and
// the rejoin cookie (their place and answers stay in the room), so someone new starts clean.
export function forgetThisPerson() {
  sessionStorage.clear();
  forgetRejoin();
  Object.assign(phone, { ballots: {}, pending: {}, stored: {}, shown: {}, notes: {}, pausing: false, track: null });
  for (const key of Object.keys(drafts)) delete drafts[key];
  sessionStorage.clear(); // (deleting drafts wrote them back)
}

// A draft is removed once the step moves on: it is of no use to the next activity, and a note
// left in storage is a note someone could find. A check-in or grounding may be an interruption
// the facilitator comes back from ("Back to"), so it keeps the drafts of the activity it set aside.
const INTERRUPTIONS = new Set(["checkin", "grounding"]);
export function dropDraftsBeside(activity) {
  if (activity && INTERRUPTIONS.has(activity.definition?.kind)) return;
  for (const aid of Object.keys(drafts)) if (aid !== activity?.id) delete drafts[aid];
}

// The room says this phone answered, but the page holds no copy of the answer: it was given
// before this page was closed and opened again (or reloaded, for a written answer, which is never
// written to storage), so the phone cannot show it any more.
export function answerNotShown(aid) {
  return !!phone.answeredBySnapshot[aid] && !phone.stored[aid] && !phone.pending[aid];
}

// The cookie that lets this phone rejoin as itself after its tab was closed (rejoin.js): the
// code, the token and the latest answer's ballot, never the answer. Written again while
// the page is in use, so its lifetime rolls on until the page is closed.
export function remember(aid = saved.get("lastAnswered")) {
  const token = saved.get("token");
  const code = saved.get("code");
  if (!token || !code) return;
  const ballot = aid && phone.ballots[aid] ? { aid, ballot: phone.ballots[aid] } : null;
  keepRejoin({ code, token, ballot });
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
