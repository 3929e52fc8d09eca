// The phone page, start-up: welcome and join, the connection, answers sent until acknowledged,
// pause and leave. What it keeps is in phone-state.js; what it shows, in phone-render.js.
import { Connection } from "/static/shared/connection.js";
import { $, h, randomId, replace, takeFragment } from "/static/shared/dom.js";
import { language, load, remember as keepLanguage, t, translateMarkup } from "/static/shared/i18n.js";
import { languageOptions, PhoneMenu } from "./menu.js";
import { render, renderHooks, tick, updateStatus } from "./phone-render.js";
import { forgetEverything, normaliseCode, persist, phone, remember, saved, whyNotACode } from "./phone-state.js";
import { readRejoin } from "./rejoin.js";

const app = $("#app");
const net = $("#net");
const actions = $("#actions");
const pauseButton = $("#pause");
const announce = $("#announce");
let storeAway = ""; // the store-unavailable word on the announce line, until a view clears it
let everLive = false;
let redraw = () => {}; // the screen now shown, drawn again in another language

// -- screens ---------------------------------------------------------------------------------

// The code first, so the field and Join sit above the fold on a small phone; then the rest.
function welcome(linkCode, message = "") {
  actions.hidden = true;
  const error = h("p", { id: "join-error", class: "error", role: "alert", text: message });
  const input = h("input", {
    id: "code", name: "code", type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", maxlength: "12", inputmode: "text", "aria-describedby": "join-error",
  });
  if (linkCode) input.value = linkCode;
  redraw = () => welcome(input.value || linkCode, message); // keeps what was typed
  // The menu waits until the phone has joined; the language can be changed before that too.
  const picker = h("select", { id: "welcome-language", onchange: () => switchTo(picker.value) }, languageOptions());
  const form = h(
    "form",
    {
      class: "join",
      onsubmit: (event) => {
        event.preventDefault();
        const code = normaliseCode(input.value);
        if (!code) {
          error.textContent = whyNotACode(input.value);
          input.focus();
          return;
        }
        join(code, null);
      },
    },
    h("label", { for: "code", text: t("Session code") }),
    h("div", { class: "join-row" }, input, h("button", { type: "submit", class: "big", text: t("Join") })),
    error,
  );
  replace(
    app,
    h("h1", { text: t("Welcome") }),
    h("p", { class: "lead", text: t("Answer the group's questions from your phone. You can pass on anything.") }),
    form,
    h("h2", { text: t("Our agreements") }),
    h("ul", { class: "agreements" },
      h("li", { text: t("What is shared here stays here.") }),
      h("li", { text: t("Speak for yourself; listen without fixing.") }),
      h("li", { text: t("Passing is always fine. So is asking for a pause.") })),
    h("h2", { text: t("Your privacy") }),
    h("p", { class: "privacy" },
      t("We never ask your name. Answers are deleted when the session ends, and this page keeps nothing once you leave."), " ",
      t("Results appear only when enough people answered; in a small group, results may still hint at who answered.")),
    h("p", { class: "language-field welcome-language" }, h("label", { for: "welcome-language", text: t("Language") }), " ", picker),
  );
  if (!linkCode) input.focus();
}

// title and text are functions, so a change of language words them again.
function farewell(title, text, withSupport = false) {
  redraw = () => farewell(title, text, withSupport);
  actions.hidden = true;
  net.textContent = "";
  replace(app, h("h1", { text: title() }), h("p", { text: text() }), withSupport ? menu.supportSection() : null,
    h("p", { class: "farewell-actions" }, h("a", { href: "/join", class: "button secondary", text: t("Join a session") })));
  app.focus();
}

// -- connection ------------------------------------------------------------------------------

function join(code, token) {
  redraw = () => render(true);
  replace(app, h("p", { class: "waiting", text: t("Joining…") }));
  phone.conn = new Connection({
    role: "participant",
    lang: language,
    code,
    credential: token,
    handlers: {
      welcome(message) {
        if (message.token || token) {
          saved.set("token", message.token || token);
          saved.set("code", code);
        }
        remember();
      },
      status(status) {
        net.textContent = status === "reconnecting" ? t("Reconnecting…") : "";
        net.classList.toggle("away", status === "reconnecting");
        if (status === "live") {
          everLive = true;
          if (phone.pausing) phone.conn.send({ type: "pause", on: true });
          menu.resend();
          flush();
        }
      },
      view(next, changes, you) {
        phone.view = next;
        // A view came through the store: a word that it could not be reached is over.
        if (storeAway) announce.textContent = storeAway = "";
        menu.setCard(next.support_card);
        if (you) {
          phone.answeredBySnapshot = next.activity && you.answered ? { [next.activity.id]: true } : {};
          if (you.track) phone.track = you.track;
        }
        actions.hidden = false;
        render(!changes);
      },
      ended(message) {
        forgetEverything();
        const why = () => ({
          expired: t("It had been idle for a long time, so it closed by itself."),
          lost: t("The server lost it, so it could not go on."),
          abandoned: t("The facilitator could not come back in time, so it ended by itself."),
        })[message.reason] ?? "";
        const thanks = () => t("Thank you for being here. Answers are deleted now that the session has ended, and this phone keeps nothing from it.");
        farewell(() => t("The session has ended"), () => [why(), thanks()].filter(Boolean).join(" "), true);
      },
      rejected(_code, error) {
        forgetEverything();
        if (everLive) farewell(() => t("The session has ended"), () => t("This session is no longer running. This phone keeps nothing from it."));
        else welcome(code, error?.code === "no_room" ? t("No session with the code {code} is running. Check the code on the screen, or ask the facilitator.", { code }) : error?.message || t("Could not join that session."));
      },
      error(message) {
        announce.textContent = message.message;
        storeAway = message.code === "unavailable" ? message.message : "";
      },
    },
  });
  phone.conn.start();
}

function leave() {
  if (phone.conn) {
    phone.conn.send({ type: "leave" });
    phone.conn.stop();
    phone.conn = null;
  }
  forgetEverything();
  // Said plainly: someone may leave because of an answer, and answers cannot be taken back
  // (nothing links an answer to a phone, so nothing can find it to remove it).
  farewell(() => t("You have left"), () => t("Nothing from this session is kept on this phone. Answers you gave before leaving still count, and nothing links them to you. Take care of yourself."));
}

// -- answers ---------------------------------------------------------------------------------

function answer(aid, value) {
  if (!phone.ballots[aid]) phone.ballots[aid] = randomId(18);
  phone.pending[aid] = value;
  delete phone.errors[aid];
  persist();
  render(true);
  flush();
}

// Send every answer not yet acknowledged, with its ballot, so a resend is counted once.
function flush() {
  const { conn, pending, inflight, ballots, stored, errors, drafts } = phone;
  if (!conn || conn.status !== "live") return;
  for (const [aid, value] of Object.entries(pending)) {
    if (inflight[aid] === value) continue;
    inflight[aid] = value;
    const settle = () => {
      if (inflight[aid] === value) delete inflight[aid];
    };
    conn.request({ type: "answer", activity: aid, ballot: ballots[aid], value }).then(
      () => {
        settle();
        stored[aid] = value;
        if (pending[aid] === value) delete pending[aid];
        if (value.kind === "text") delete drafts[aid]; // not left on screen for a neighbour
        persist();
        saved.set("lastStored", aid);
        remember(aid);
        updateStatus();
        render(false);
        flush();
      },
      (error) => {
        settle();
        if (["offline", "disconnected", "stopped"].includes(error.code)) return; // resent on reconnect
        if (error.code === "unavailable") {
          // The server cannot reach its store for now: keep the answer and send it again (same
          // ballot, counted once), now and whenever the connection comes back.
          setTimeout(flush, 2000);
          updateStatus();
          return;
        }
        if (pending[aid] === value) delete pending[aid];
        errors[aid] = error.message;
        persist();
        updateStatus();
      },
    );
  }
}

// -- start -----------------------------------------------------------------------------------

function showPause(on) {
  pauseButton.setAttribute("aria-pressed", String(on));
  pauseButton.textContent = on ? t("Pause asked · tap to take back") : t("I need a pause");
}

function setPause(on) {
  phone.pausing = on;
  saved.set("pause", on);
  showPause(on);
  phone.conn?.send({ type: "pause", on });
  announce.textContent = on ? t("The facilitator sees that someone asked for a pause, never who.") : t("Pause request taken back.");
}

// Another language, at once: this tab remembers it, every word on screen changes, and the
// server words its errors to this phone in it from now on (kept on the connection only).
async function switchTo(tag) {
  keepLanguage(tag);
  await load(tag);
  translateMarkup();
  menu.relabel();
  showPause(phone.pausing);
  const focused = document.activeElement?.id; // a menu used by keyboard keeps the focus
  redraw();
  if (focused) document.getElementById(focused)?.focus();
  phone.conn?.send({ type: "sync", lang: tag });
}

const { raw } = takeFragment(); // the code leaves the address bar before anything else waits
await load().catch(() => null); // no catalogue: the page stays in English
translateMarkup();
showPause(phone.pausing);
pauseButton.addEventListener("click", () => setPause(!phone.pausing));
const menu = new PhoneMenu({ saved, announce, send: (message) => phone.conn?.send(message), leave, switchTo });
renderHooks({ app, answer, announce: (text) => (announce.textContent = text) });
setInterval(tick, 200);

const linkCode = raw ? normaliseCode(decodeURIComponent(raw)) : null;
let savedCode = saved.get("code");
let savedToken = saved.get("token");
const cookie = readRejoin();
if (!savedToken && cookie && (!linkCode || linkCode === cookie.code)) {
  // The tab was closed and the join link opened again: the same participant, not a new one.
  savedCode = cookie.code;
  savedToken = cookie.token;
  saved.set("code", savedCode);
  saved.set("token", savedToken);
  if (cookie.answer) {
    phone.ballots[cookie.answer.aid] = cookie.answer.ballot;
    phone.stored[cookie.answer.aid] = cookie.answer.value;
    saved.set("lastStored", cookie.answer.aid);
    persist();
  }
}
if (savedCode && savedToken && (!linkCode || linkCode === savedCode)) {
  join(savedCode, savedToken);
} else {
  if (savedCode || cookie) forgetEverything();
  welcome(linkCode);
}
