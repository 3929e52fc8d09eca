// The console's panels that open on demand beside the live activity: how to join, one-time
// links, room settings, the support card, summaries across weeks, what was revealed so far.
import { language, plural, t } from "/static/shared/i18n.js";
import { h, replace, setText, svgFrom } from "/static/shared/dom.js";
import { renderResults } from "/static/shared/results.js";
import { takesAnswers } from "/static/shared/widgets.js";
import { act, button, clearErrors, displayCredential, isLead, linkCommand, showError, state, wholeNumbers, withCommand } from "./console-state.js";
import { connectHelp } from "./help.js";
import { supportPanel } from "./support.js";

export function joinPanel(el) {
  const r = state.view.room;
  const reentry = t("If this tab closes, the room carries on: on the computer running Hearth, run {command} and open the link it prints.");
  replace(
    el,
    h("p", { class: "join-code", "aria-label": t("Join code {code}", { code: r.code.split("").join(" ") }), text: r.code }),
    r.qr_svg ? h("div", { class: "qr" }, svgFrom(r.qr_svg, t("QR code with the join link"))) : null,
    h("p", { class: "join-link" }, h("a", { href: r.join_url, target: "_blank", rel: "noopener noreferrer", text: r.join_url })),
    // `hearth link --room` makes a facilitator's link, which would shut the facilitator's own
    // console out: a co-facilitator gets a new co-facilitator link instead
    isLead()
      ? h("p", { class: "hint", id: "reentry-hint" }, withCommand(reentry, linkCommand(r.code)))
      : h("p", { class: "hint", id: "reentry-hint", text: t("If this tab closes, the room carries on: ask the facilitator for a new co-facilitator link.") }),
    connectHelp(r.join_url),
  );
}

async function mintLink(role, credential) {
  const response = await fetch("/api/tickets", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ role, code: state.room.code, credential }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || t("Could not make a link."));
  return body;
}

// Still unused? true or false; null when the server could not be asked this time.
async function waiting(ticket) {
  const response = await fetch("/api/tickets/state", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ticket, code: state.room.code, credential: state.room.key }),
  }).catch(() => null);
  const body = response?.ok ? await response.json().catch(() => null) : null;
  return typeof body?.waiting === "boolean" ? body.waiting : null;
}

const CHECK_MS = 2000;
const NEAR_END_MS = 15000;

// A link left in the field looks as if it still works: once it is opened (or runs out), the
// field gives way to a line that says so, and the facilitator knows the screen got it.
function watchLink(out, { ticket, ttl }) {
  const until = Date.now() + ttl * 1000;
  const check = async () => {
    if (!out.isConnected || out.dataset.ticket !== ticket) return; // closed, or a newer link
    const unused = Date.now() >= until ? false : await waiting(ticket);
    if (out.dataset.ticket !== ticket) return;
    if (unused !== false) { setTimeout(check, CHECK_MS); return; }
    delete out.dataset.ticket;
    // The store lets a ticket go at its expiry as it does once spent; near the end, which of
    // the two happened is not known, and the line does not guess.
    replace(out, h("p", { class: "note spent-link", role: "status", text: Date.now() >= until - NEAR_END_MS
      ? t("That link works no more: it has been opened, or its time ran out. Make another if you need one.")
      : t("That link has been opened, so it works no more. Make another if you need one.") }));
  };
  setTimeout(check, CHECK_MS);
}

// One-time links for opening the console or the display on another device.
export function linksPanel(el) {
  const room = state.room;
  const out = h("div", { class: "made-link" });
  const make = (role, credential, label) => async (event) => {
    try {
      const made = await mintLink(role, credential);
      clearErrors();
      const until = new Date(Date.now() + made.ttl * 1000).toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
      const input = h("input", { id: "made-link", type: "text", readonly: true, value: made.url, "aria-describedby": "made-link-hint" });
      replace(out, h("label", { for: "made-link", text: label }), input,
        h("p", { id: "made-link-hint", class: "hint", text: t("It works once, until {time}. Whoever holds it gets that screen, so keep it private.", { time: until }) }));
      out.dataset.ticket = made.ticket;
      watchLink(out, made);
      input.select();
    } catch (failure) {
      showError(event.target, failure.message);
    }
  };
  replace(
    el,
    h("p", { class: "hint", text: t("One-time links to open this console or the projector display on another computer or tablet.") }),
    h("div", { class: "row" },
      button(t("Console link"), make("facilitator", room.key, t("Console link (works once)")), "secondary"),
      button(t("Co-facilitator link"), make("cofacilitator", room.key, t("Co-facilitator link (works once; a new one replaces the last)")), "secondary"),
      button(t("Display link"), make("display", displayCredential(), t("Display link (works once)")), "secondary")),
    out,
  );
}

// A cap below the people already here removes nobody (the server only turns new phones away,
// and anyone already in keeps their place if their phone drops), which the panel says.
export function updateCapNote() {
  const note = document.querySelector("#cap-note");
  const cap = state.view?.room.cap;
  if (!note || cap === null || cap === undefined) return;
  // The server refuses a new phone once everyone who joined and has not left (connected or
  // not: a phone asleep keeps its place) reaches the cap.
  const here = state.progress.joined ?? state.progress.connected;
  const text = cap < here ? plural("{n} person is already here. Nobody is removed, and anyone whose phone drops can come back, but no one new can join until some of them leave.", "{n} people are already here. Nobody is removed, and anyone whose phone drops can come back, but no one new can join until some of them leave.", here) : "";
  setText(note, text);
}

export function settingsPanel(el) {
  const r = state.view.room;
  const k = h("input", { id: "set-k", type: "number", min: "3", max: "50", step: "1", value: String(r.k) });
  const cap = h("input", { id: "set-cap", type: "number", min: "1", max: "10000", step: "1", value: String(r.cap ?? 300) });
  // Mirrors the server: the split is fixed while an activity that takes answers is not revealed.
  const a = state.view.activity;
  const collecting = !!a && a.status !== "revealed" && takesAnswers(a.definition);
  const toggle = (id, label, value, key, locked = false) => {
    const input = h("input", { id, type: "checkbox", disabled: locked, "aria-describedby": locked ? "split-hint" : null });
    input.checked = value;
    input.addEventListener("change", async () => {
      if (!(await act(input, { type: "configure", [key]: input.checked }))) input.checked = !input.checked;
    });
    return h("p", { class: "check-field row" }, input, h("label", { for: id, text: label }));
  };
  // Checked here first, and said plainly; a change the server refuses leaves the field showing
  // the value still in force, never one that is not.
  const apply = async (form, input, key) => {
    const [value] = wholeNumbers(form, [input], key) ?? [];
    if (value === undefined) return;
    const done = await act(form, { type: "configure", [key]: value });
    const now = state.view.room[key];
    if (!done && now !== null && now !== undefined) input.value = String(now);
  };
  const number = (input, label, key, name) => h(
    "form",
    { class: "row k-form", novalidate: true, onsubmit: (e) => { e.preventDefault(); apply(e.currentTarget, input, key); } },
    h("label", { for: input.id, text: label }), input,
    h("button", { type: "submit", class: "secondary", text: t("Apply"), "aria-label": name }),
  );
  replace(
    el,
    number(k, t("k (minimum answers)"), "k", t("Apply k")),
    number(cap, t("Most people who may join"), "cap", t("Apply the cap")),
    h("p", { id: "cap-note", class: "hint cap-note", role: "status" }),
    toggle("set-locked", t("Lock the room (no new people)"), r.locked, "locked"),
    toggle("set-tracks", t("Let people say which side they are on"), r.tracks, "tracks", collecting && r.split),
    toggle("set-split", t("Show results per side"), r.split, "split", collecting),
    collecting ? h("p", { id: "split-hint", class: "hint", text: t("The split can change between activities: not while one is on screen, until you reveal its results or clear it.") }) : null,
  );
  updateCapNote();
}

export function historyPanel(el) {
  const items = state.view.history || [];
  replace(
    el,
    items.length
      ? h("ol", { class: "history-list" }, items.map((item) => h("li", {},
          h("p", { class: "history-title", text: item.title || item.text }),
          item.results ? renderResults(item.results, {}) : null,
          item.texts?.length ? h("p", { class: "hint", text: plural("{n} written answer released", "{n} written answers released", item.texts.length) }) : null,
        )))
      : h("p", { class: "hint", text: t("Results you reveal collect here until the session ends.") }),
  );
}

// name -> [button label, heading, render(el) or a fixed element, lead only, the view sections
// it is drawn from (it is redrawn when one of them changes)]
export function panelList(form, weeks) {
  return [
    ["activity", t("New activity"), t("New activity"), form, true, []],
    ["join", t("How to join"), t("How to join"), joinPanel, false, ["room"]],
    ["settings", t("Room settings"), t("Room settings"), settingsPanel, true, ["room", "activity"]],
    ["links", t("Another device"), t("Another device"), linksPanel, true, []],
    ["support", t("Support card"), t("Support card"), supportPanel, false, ["support_card"]],
    ["weeks", t("Across weeks"), t("Across weeks"), weeks?.el ?? null, true, []],
    ["history", t("Revealed so far"), t("Revealed so far"), historyPanel, false, ["history"]],
  ];
}

// Esc shuts the side panel that is open and puts the focus back on its button, unless Esc
// is already someone else's: a dialog, a question that took it, or a field typed in (a list
// that is open, a search field's clearing).
export function escapeClosesPanel(event) {
  if (event.key !== "Escape" || event.defaultPrevented || document.querySelector("dialog[open]")) return;
  if (event.target.closest?.("input:not([type=checkbox], [type=radio]), textarea, select, [contenteditable]")) return;
  const toggle = document.querySelector('.tools button[aria-expanded="true"]');
  if (!toggle) return;
  event.preventDefault();
  toggle.click(); // the panel's own button shuts it (cockpit.js), as a press on it would
  toggle.focus();
}
