// The run-sheet kept with the room (docs/protocol.md "Large run-sheets"): one `runsheet` message
// while it fits a frame, else its JSON in `runsheet_part`s on the same socket, in order; only the
// step when the room already has this plan. One send at a time, the latest state wins.
import { utf8Bytes } from "/static/shared/connection.js";

const ENVELOPE = 160; // bytes of a part's message around its text, with room to spare

// Slices of `text`, each within `budget` bytes once JSON-encoded, never splitting a character.
function slices(text, budget) {
  const out = [];
  let at = 0;
  while (at < text.length) {
    let n = Math.min(text.length - at, budget);
    for (;;) {
      const size = utf8Bytes(JSON.stringify(text.slice(at, at + n)));
      if (size <= budget) break;
      n = Math.max(1, Math.floor((n * budget) / size) - 1);
    }
    const code = text.charCodeAt(at + n - 1);
    if (n > 1 && at + n < text.length && code >= 0xd800 && code <= 0xdbff) n -= 1; // a pair's first half
    out.push(text.slice(at, at + n));
    at += n;
  }
  return out;
}

async function send(conn, plan, index) {
  const message = { type: "runsheet", plan, index };
  if (utf8Bytes(JSON.stringify(message)) + 24 <= conn.maxBytes) return conn.request(message);
  const texts = slices(JSON.stringify({ plan, index }), conn.maxBytes - ENVELOPE);
  let ack = null;
  for (const [part, text] of texts.entries()) {
    ack = await conn.request({ type: "runsheet_part", part, parts: texts.length, text });
  }
  return ack;
}

export class RunSheetSync {
  constructor(connection, report) {
    this.connection = connection; // () => the live Connection
    this.report = report; // (error | null) => void: what became of the last send
    this.latest = null; // waiting to go: {plan, index}
    this.last = null; // the last one taken to send, sent again if the connection lost it
    this.busy = false;
    this.kept = null; // the plan's JSON the room has, as far as this console knows
    this.failed = false;
  }

  push(plan, index) {
    this.latest = { plan, index };
    if (!this.busy) this.drain();
  }

  // A fresh snapshot: the room's copy is the room's. A send the connection lost goes again.
  reconnected() {
    this.kept = null;
    if (this.failed && this.last && !this.latest) this.push(this.last.plan, this.last.index);
  }

  async drain() {
    this.busy = true;
    while (this.latest) {
      const { plan, index } = (this.last = this.latest);
      this.latest = null;
      const text = plan ? JSON.stringify(plan) : null;
      try {
        const conn = this.connection();
        if (text !== null && text === this.kept) await conn.request({ type: "runsheet", index });
        else await send(conn, plan, index);
        this.kept = text;
        this.failed = false;
        this.report(null);
      } catch (error) {
        this.kept = null;
        this.failed = ["offline", "disconnected", "stopped"].includes(error?.code);
        this.report(error);
      }
    }
    this.busy = false;
  }
}
