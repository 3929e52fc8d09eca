// One WebSocket client for all three screens: hello, snapshot/update with version checks,
// requests with ids, a server-clock estimate, and reconnecting by itself.
import { t } from "./i18n.js";
import { checkIncoming, checkOutgoing } from "./protocol.js";

const BASE_MS = 400;
const CAP_MS = 8000; // full-jitter backoff never waits longer than this
const PING_EVERY_MS = 15000;
const PONG_WITHIN_MS = 6000; // no answer by then: the link is dead even if the socket says open
const CLOCK_SAMPLES = 8;
// Close codes after which trying again cannot help (see docs/protocol.md).
const FINAL_CLOSES = new Set([4400, 4401, 4404, 4429]);
const encoder = new TextEncoder();

// A message's size on the wire (the server's frame limit counts UTF-8 bytes).
export function utf8Bytes(text) {
  return encoder.encode(text).length;
}

export class Connection {
  constructor({ role, code, credential = null, handlers = {}, lang = () => null }) {
    this.role = role;
    this.lang = lang; // the screen's language, for the server's error frames (never stored)
    this.code = code;
    this.credential = credential;
    this.handlers = handlers;
    this.view = null;
    this.version = -1;
    this.status = "idle";
    this.ws = null;
    this.stopped = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.deadTimer = null;
    this.nextId = 1;
    this.pending = new Map();
    this.samples = [];
    this.offset = 0;
    this.lastError = null;
    this.maxBytes = 16 * 1024; // the server's frame limit; welcome says what it is
    this.wake = this.wake.bind(this);
    this.offline = () => this.drop(); // the browser knows the network is gone: stop waiting
  }

  start() {
    document.addEventListener("visibilitychange", this.wake);
    window.addEventListener("online", this.wake);
    window.addEventListener("pageshow", this.wake);
    window.addEventListener("offline", this.offline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    document.removeEventListener("visibilitychange", this.wake);
    window.removeEventListener("online", this.wake);
    window.removeEventListener("pageshow", this.wake);
    window.removeEventListener("offline", this.offline);
    clearTimeout(this.retryTimer);
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = ws.onmessage = ws.onerror = null;
      try { ws.close(1000); } catch { /* already closing */ }
    }
    this.failPending("stopped");
  }

  // The page came back (tab shown, network back, back-forward cache): reconnect at once.
  wake() {
    if (this.stopped || document.visibilityState === "hidden") return;
    if (!this.ws) {
      clearTimeout(this.retryTimer);
      this.connect();
    } else if (this.status === "live") {
      this.ping(); // a socket that slept may be dead without knowing it
    }
  }

  setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.handlers.status?.(status);
  }

  connect() {
    if (this.stopped) return;
    this.setStatus(this.attempt === 0 && this.view === null ? "connecting" : "reconnecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws = ws;
    ws.onopen = () => {
      const hello = { type: "hello", role: this.role, code: this.code, credential: this.credential };
      if (this.view?.room?.epoch) hello.epoch = this.view.room.epoch;
      if (this.lang()) hello.lang = this.lang();
      this.raw(hello);
    };
    ws.onmessage = (event) => this.receive(JSON.parse(event.data));
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = (event) => this.closed(ws, event.code, event.reason);
  }

  closed(ws, code, reason = "") {
    if (ws !== this.ws) return;
    this.ws = null;
    this.clearTimers();
    this.failPending("disconnected");
    if (this.stopped) return;
    if (FINAL_CLOSES.has(code)) {
      this.stopped = true;
      this.setStatus("rejected");
      this.handlers.rejected?.(code, this.lastError, reason);
      return;
    }
    const delay = Math.random() * Math.min(CAP_MS, BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.setStatus("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  drop() {
    // Treat a silent socket as closed now rather than waiting for TCP to notice.
    const ws = this.ws;
    if (!ws) return;
    ws.onclose = ws.onmessage = ws.onerror = null;
    try { ws.close(); } catch { /* ignore */ }
    this.closed(ws, 1006);
  }

  clearTimers() {
    clearInterval(this.pingTimer);
    clearTimeout(this.deadTimer);
    this.pingTimer = this.deadTimer = null;
  }

  raw(message) {
    checkOutgoing(message.type);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  send(message) {
    return this.status === "live" && this.raw(message);
  }

  // A message with an id; resolves with the ack, rejects with the error frame.
  request(message) {
    const framed = { ...message, id: this.nextId++ };
    return new Promise((resolve, reject) => {
      const size = utf8Bytes(JSON.stringify(framed));
      if (size > this.maxBytes) { // sent, it would close the socket (1009): say so here instead
        const kib = (n) => Math.ceil(n / 1024);
        reject({ type: "error", code: "too_large", message: t("That is too large to send: {size} KiB, at most {limit} KiB.", { size: kib(size), limit: Math.floor(this.maxBytes / 1024) }) });
        return;
      }
      // Never kept to send later: a command meant for the room as it was may not suit the room
      // as it is once the connection is back (docs/protocol.md), so it is refused, and said so.
      if (!this.send(framed)) {
        reject({ type: "error", code: "offline", message: t("Not connected, so this was not sent. Once the connection is back, try again.") });
        return;
      }
      this.pending.set(framed.id, { resolve, reject });
    });
  }

  failPending(code) {
    for (const { reject } of this.pending.values()) {
      reject({ type: "error", code, message: t("The connection dropped before an answer came.") });
    }
    this.pending.clear();
  }

  ping() {
    if (!this.raw({ type: "ping", t: Date.now() })) return;
    if (!this.deadTimer) this.deadTimer = setTimeout(() => this.drop(), PONG_WITHIN_MS);
  }

  serverNow() {
    return Date.now() + this.offset;
  }

  remainingMs(timer) {
    if (!timer) return 0;
    if (timer.running && timer.deadline_ms !== null) return timer.deadline_ms - this.serverNow();
    return timer.remaining_ms;
  }

  sampleClock(serverNow, rtt) {
    // The sample with the shortest round trip is the most trustworthy.
    this.samples.push({ offset: serverNow + rtt / 2 - Date.now(), rtt });
    if (this.samples.length > CLOCK_SAMPLES) this.samples.shift();
    const best = this.samples.reduce((a, b) => (b.rtt < a.rtt ? b : a));
    this.offset = best.offset;
  }

  receive(message) {
    checkIncoming(message.type);
    clearTimeout(this.deadTimer);
    this.deadTimer = null;
    const h = this.handlers;
    switch (message.type) {
      case "welcome":
        if (message.token) this.credential = message.token;
        if (message.max_bytes) this.maxBytes = message.max_bytes;
        h.welcome?.(message);
        break;
      case "snapshot":
        this.version = message.version;
        this.view = message.view;
        if (this.samples.length === 0) this.offset = message.now - Date.now();
        this.attempt = 0;
        this.setStatus("live");
        h.view?.(this.view, null, message.you ?? null);
        this.startPinging();
        break;
      case "update":
        if (!this.view || message.base !== this.version) {
          this.raw({ type: "sync" });
          return;
        }
        Object.assign(this.view, message.changes);
        this.version = message.version;
        if (this.samples.length === 0) this.offset = message.now - Date.now();
        h.view?.(this.view, message.changes, null);
        break;
      case "progress":
        h.progress?.(message);
        break;
      case "ack":
      case "summary": // the answer to a summary request, by id
      case "error": {
        const waiting = message.id == null ? null : this.pending.get(message.id);
        if (waiting) {
          this.pending.delete(message.id);
          (message.type === "error" ? waiting.reject : waiting.resolve)(message);
        } else if (message.type === "error") {
          this.lastError = message;
          h.error?.(message);
        }
        break;
      }
      case "pong":
        this.sampleClock(message.now, Math.max(0, Date.now() - message.t));
        h.clock?.();
        break;
      case "ended":
        this.stop();
        this.setStatus("ended");
        h.ended?.(message);
        break;
      case "reconnect": {
        const ws = this.ws;
        if (ws) {
          ws.onclose = ws.onmessage = null;
          try { ws.close(); } catch { /* ignore */ }
          this.ws = null;
        }
        this.clearTimers();
        this.failPending("disconnected");
        this.setStatus("reconnecting");
        this.retryTimer = setTimeout(() => this.connect(), message.after_ms + Math.random() * 500);
        break;
      }
    }
  }

  startPinging() {
    clearInterval(this.pingTimer);
    // A few quick pings settle the clock estimate; then a slow heartbeat finds dead links.
    this.ping();
    setTimeout(() => this.status === "live" && this.ping(), 300);
    setTimeout(() => this.status === "live" && this.ping(), 900);
    this.pingTimer = setInterval(() => this.ping(), PING_EVERY_MS);
  }
}

// A link's one-time ticket -> {kind, code, credential}; the server spends it in the same step.
export async function redeemTicket(ticket) {
  const response = await fetch("/api/tickets/exchange", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ticket }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || t("This link has been used or has expired."));
  return body;
}

// Ask the server to clear this site's data as well (the page clears its own storage first).
export function forgetSite() {
  fetch("/api/forget", { method: "POST", keepalive: true }).catch(() => {});
}
