// One-time links (server/tickets.py). A link that opens a screen carries `#ticket=...`, never a
// credential. Exchange it at once: the ticket is spent, the credential arrives in the response
// body, and the fragment is dropped from the address bar (and so from the history entry).

/** The ticket in this page's fragment, if any; the fragment is removed either way. */
export function takeTicket() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const ticket = params.get("ticket");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return ticket;
}

/**
 * Exchange a ticket for what it grants: {kind: "host"|"facilitator"|"display", code, credential}.
 * For "host", credential is the host secret (send it as `Authorization: Bearer` to /api/rooms).
 * Returns null when the link was used already or expired (the server does not say which).
 */
export async function exchangeTicket(ticket) {
  const response = await fetch("/api/tickets/exchange", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ticket }),
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) return null;
  return response.json();
}

/**
 * A fresh one-time link for a screen of a room, minted with that screen's own credential:
 * e.g. the console opening the projector: mintLink("display", code, displayCredential).
 */
export async function mintLink(role, code, credential) {
  const response = await fetch("/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, code, credential }),
    cache: "no-store",
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`could not make a link (${response.status})`);
  return (await response.json()).url;
}
