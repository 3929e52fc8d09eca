// Message type names, kept in step with server/wire/protocol.py by tests/browser/test_protocol_names.py.
export const CLIENT_TYPES = Object.freeze([
  "answer", "checkin_now", "clear", "close", "configure", "end", "grounding_now", "hello", "leave", "moderate",
  "open", "pages", "paper", "pause", "ping", "release", "resume", "reveal", "runsheet",
  "runsheet_part", "screen",
  "show_text", "summary",
  "support", "sync", "timer", "track", "trend", "word",
]);

export const SERVER_TYPES = Object.freeze([
  "ack", "ended", "error", "pong", "progress", "reconnect", "snapshot", "summary", "update", "welcome",
]);

// The close reason of a 4401 sent to a console whose credential a newer link replaced while it
// was connected (server/wire/close_codes.py REASON_REPLACED; docs/protocol.md, Close codes).
export const REPLACED = "console opened elsewhere";

const CLIENT = new Set(CLIENT_TYPES);
const SERVER = new Set(SERVER_TYPES);

export function checkOutgoing(type) {
  if (!CLIENT.has(type)) throw new Error(`unknown client message type: ${type}`);
}

export function checkIncoming(type) {
  if (!SERVER.has(type)) throw new Error(`unknown server message type: ${type}`);
}
