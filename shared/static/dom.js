// Tiny DOM helpers: every text goes in through textContent, never as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

// Replace a container's children only when needed keeps focus where it is.
export function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter(Boolean));
}

// The server makes the QR code; parse it as SVG so nothing is ever read as HTML.
export function svgFrom(text, label) {
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return h("span", { text: "" });
  const node = document.importNode(svg, true);
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", label);
  node.removeAttribute("width");
  node.removeAttribute("height");
  return node;
}

// A pressed toggle's words, "Pause asked · tap to take back": what holds now, then how to undo it
// on a line of its own, smaller (a narrow phone at large text gave the whole sentence five
// lines). The text stays whole for anything that reads it; only the " · " is not shown.
export function askedWords(text) {
  const [said, ...undo] = text.split(" · ");
  if (!undo.length) return [text];
  return [said, h("span", { class: "undo-sep", text: " · " }), h("span", { class: "undo-hint", text: undo.join(" · ") })];
}

// Text that is written again and again (a clock five times a second, counts on every update) is
// written only when it differs: replaced, even by the same words, it is laid out and repainted,
// and a screen reader may read a live region out again.
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function formatClock(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

// Read "room=..&key=.." style fragments, then drop the fragment from the address bar at once.
export function takeFragment() {
  const raw = location.hash.replace(/^#/, "");
  if (raw) history.replaceState(null, "", location.pathname + location.search);
  const params = new URLSearchParams(raw);
  return { raw, params };
}

export function randomId(bytes = 18) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...data)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// The letter of a shortcut key as printed on a Latin keyboard: on an Arabic (or Greek, or
// Russian) layout the key marked N types another letter, and the shortcut still works by its
// place (event.code); a Latin layout's own letter wins (a German Z is where a US Y is).
export function shortcutKey(event) {
  const key = event.key.toLowerCase();
  if (/^[a-z]$/.test(key)) return key;
  const place = /^Key([A-Z])$/.exec(event.code || "");
  return place ? place[1].toLowerCase() : key;
}

// A signal's button ("I need a pause", "a word afterwards") asks on one tap and takes back on
// the next, but a double tap must not do both in one gesture: a take-back within a moment of
// the ask is that gesture's second tap, and is let go. Asking is never held back.
const SECOND_TAP_MS = 500;
export function onSignalTap(button, isOn, set) {
  let askedAt = -Infinity;
  button.addEventListener("click", () => {
    const now = performance.now();
    if (isOn() && now - askedAt < SECOND_TAP_MS) return;
    if (!isOn()) askedAt = now;
    set(!isOn());
  });
}

// An async handler that lets a call go while its last one is still running (it resolves false):
// a double click, a key pressed twice or a double tap would otherwise do the thing twice.
export function oneAtATime(handler) {
  let running = false;
  return async (...args) => {
    if (running) return false;
    running = true;
    try {
      return await handler(...args);
    } finally {
      running = false;
    }
  };
}
