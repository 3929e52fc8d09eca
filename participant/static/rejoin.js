// Rejoining after the tab was closed: one cookie, scoped to this site's join page, that holds the
// room code, this phone's token and the ballot of its latest stored answer (so a change of mind
// replaces that answer instead of being refused as a second one). Never an answer's value: a
// cookie outlives its tab, and a written answer in it could tie the projector's released text to
// this phone. Its path is the join page's own, so the browser sends it with that page's request
// alone: never with a script, the WebSocket or an API call (the bare address redirects to /join,
// where the page can read it). The server never reads it: the page sends the token in its first
// WebSocket message, as it always does. (docs/privacy.md: why a cookie, and its limits.)
const NAME = "hearth-rejoin";

// A rolling lifetime: the open page writes the cookie again every few minutes, when it is shown
// again and when it is hidden or closed, so it lives 40 minutes past the page's last moment in
// use. Long enough for someone whose tab was closed by mistake, or dropped by the browser while
// the phone lay locked through a long reflection or a break, to come back as themselves; short
// enough that a tab closed and forgotten leaves nothing for long after the group has gone home
// (the room itself lives four hours after its last change). It is deleted at once on Leave and
// whenever the page learns the session is over.
const MAX_AGE = 40 * 60;
export const REFRESH_MS = 5 * 60 * 1000;

function attributes(maxAge) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  return `; Path=/join; Max-Age=${maxAge}; SameSite=Strict${secure}`;
}

function ballotOf(raw) {
  return typeof raw?.aid === "string" && typeof raw?.ballot === "string" ? { aid: raw.aid, ballot: raw.ballot } : null;
}

// { code, token, ballot: { aid, ballot } | null }, or null. A cookie an earlier version wrote
// (with the answer itself) is written again at once without it.
export function readRejoin() {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${NAME}=`));
  if (!found) return null;
  let raw;
  try {
    raw = JSON.parse(decodeURIComponent(found.slice(NAME.length + 1)));
  } catch {
    return null;
  }
  if (typeof raw?.code !== "string" || typeof raw?.token !== "string") return null;
  const value = { code: raw.code, token: raw.token, ballot: ballotOf(raw.ballot ?? raw.answer) };
  if (raw.answer) keepRejoin(value);
  return value;
}

// One kept by an earlier version, scoped to the whole site, goes at once.
const forgetSiteWide = () => { document.cookie = `${NAME}=; Path=/; Max-Age=0`; };

export function keepRejoin({ code, token, ballot }) {
  forgetSiteWide();
  const value = { code, token, ballot: ballotOf(ballot) }; // only these, whatever the caller holds
  document.cookie = `${NAME}=${encodeURIComponent(JSON.stringify(value))}${attributes(MAX_AGE)}`;
}

export function forgetRejoin() {
  forgetSiteWide();
  document.cookie = `${NAME}=${attributes(0)}`;
}
