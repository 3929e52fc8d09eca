// Rejoining after the tab was closed: one cookie, scoped to this site's join page, that holds the
// room code, this phone's token and its answer to the live activity. Its path is the join page's
// own, so the browser sends it with that page's request alone: never with a script, the
// WebSocket or an API call (the bare address redirects to /join, where the page can read it).
// It expires by itself after four hours (a room's idle lifetime) and is deleted on Leave and when
// the session ends, so the phone keeps nothing afterwards. The server never reads it: the page
// sends the token in its first WebSocket message, as it always does. (docs/privacy.md: why a
// cookie, and its limits.)
const NAME = "hearth-rejoin";
const MAX_AGE = 4 * 60 * 60;

function attributes(maxAge) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  return `; Path=/join; Max-Age=${maxAge}; SameSite=Strict${secure}`;
}

export function readRejoin() {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${NAME}=`));
  if (!found) return null;
  try {
    const value = JSON.parse(decodeURIComponent(found.slice(NAME.length + 1)));
    return typeof value?.code === "string" && typeof value?.token === "string" ? value : null;
  } catch {
    return null;
  }
}

// { code, token, answer: { aid, ballot, value } | null }
// One kept by an earlier version, scoped to the whole site, goes at once.
const forgetSiteWide = () => { document.cookie = `${NAME}=; Path=/; Max-Age=0`; };

export function keepRejoin(value) {
  forgetSiteWide();
  document.cookie = `${NAME}=${encodeURIComponent(JSON.stringify(value))}${attributes(MAX_AGE)}`;
}

export function forgetRejoin() {
  forgetSiteWide();
  document.cookie = `${NAME}=${attributes(0)}`;
}
