// Rejoining after the tab was closed: one cookie, scoped to this site's join page, that holds the
// room code, this phone's token and its answer to the live activity. It expires by itself after
// four hours (a room's idle lifetime) and is deleted on Leave and when the session ends, so the
// phone keeps nothing afterwards. The server never reads it: the page sends the token in its
// first WebSocket message, as it always does. (docs/privacy.md: why a cookie, and its limits.)
const NAME = "hearth-rejoin";
const MAX_AGE = 4 * 60 * 60;

function attributes(maxAge) {
  const secure = location.protocol === "https:" ? "; Secure" : "";
  return `; Path=/; Max-Age=${maxAge}; SameSite=Strict${secure}`;
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
export function keepRejoin(value) {
  document.cookie = `${NAME}=${encodeURIComponent(JSON.stringify(value))}${attributes(MAX_AGE)}`;
}

export function forgetRejoin() {
  document.cookie = `${NAME}=${attributes(0)}`;
}
