// The phone page, start-up: welcome and join, the connection, answers sent until acknowledged,
// pause and leave. What it keeps is in phone-state.js; what it shows, in phone-render.js.
import { Connection } from "/static/shared/connection.js";
import { $, h, randomId, replace, takeFragment } from "/static/shared/dom.js";
import { PhoneMenu } from "./menu.js";
import { render, renderHooks, tick, updateStatus } from "./phone-render.js";
import { forgetEverything, normaliseCode, persist, phone, remember, saved, whyNotACode } from "./phone-state.js";
import { readRejoin } from "./rejoin.js";

const app = $("#app");
const net = $("#net");
const actions = $("#actions");
const pauseButton = $("#pause");
const announce = $("#announce");
let everLive = false;

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
    h("label", { for: "code", text: "Session code" }),
    h("div", { class: "join-row" }, input, h("button", { type: "submit", class: "big", text: "Join" })),
    error,
  );
  replace(
    app,
    h("h1", { text: "Welcome" }),
    h("p", { class: "lead", text: "Answer the group's questions from your phone. You can pass on anything." }),
    form,
    h("h2", { text: "Our agreements" }),
    h("ul", { class: "agreements" },
      h("li", { text: "What is shared here stays here." }),
      h("li", { text: "Speak for yourself; listen without fixing." }),
      h("li", { text: "Passing is always fine. So is asking for a pause." })),
    h("h2", { text: "Your privacy" }),
    h("p", { class: "privacy" },
      "We never ask your name. Answers are deleted when the session ends, and this page keeps nothing once you leave. ",
      "Results appear only when enough people answered; in a small group, results may still hint at who answered."),
  );
  if (!linkCode) input.focus();
}

function farewell(title, text, withSupport = false) {
  actions.hidden = true;
  net.textContent = "";
  replace(app, h("h1", { text: title }), h("p", { text }), withSupport ? menu.supportSection() : null,
    h("p", {}, h("a", { href: "/join", class: "button secondary", text: "Join a session" })));
  app.focus();
}

// -- connection ------------------------------------------------------------------------------

function join(code, token) {
  replace(app, h("p", { class: "waiting", text: "Joining…" }));
  phone.conn = new Connection({
    role: "participant",
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
        net.textContent = status === "reconnecting" ? "Reconnecting…" : "";
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
        const why = {
          expired: "It had been idle for a long time, so it closed by itself. ",
          lost: "The server lost it, so it could not go on. ",
          abandoned: "The facilitator could not come back in time, so it ended by itself. ",
        }[message.reason] ?? "";
        farewell("The session has ended", `${why}Thank you for being here. Answers are deleted now that the session has ended, and this phone keeps nothing from it.`, true);
      },
      rejected(_code, error) {
        forgetEverything();
        if (everLive) farewell("The session has ended", "This session is no longer running. This phone keeps nothing from it.");
        else welcome(code, error?.code === "no_room" ? `No session with the code ${code} is running. Check the code on the screen, or ask the facilitator.` : error?.message || "Could not join that session.");
      },
      error(message) {
        announce.textContent = message.message;
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
  farewell("You have left", "Nothing from this session is kept on this phone. Take care of yourself.");
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
  pauseButton.textContent = on ? "Pause asked · tap to take back" : "I need a pause";
}

function setPause(on) {
  phone.pausing = on;
  saved.set("pause", on);
  showPause(on);
  phone.conn?.send({ type: "pause", on });
  announce.textContent = on ? "The facilitator sees that someone asked for a pause, never who." : "Pause request taken back.";
}

pauseButton.addEventListener("click", () => setPause(!phone.pausing));
const menu = new PhoneMenu({ saved, announce, send: (message) => phone.conn?.send(message), leave });
renderHooks({ app, answer, announce: (text) => (announce.textContent = text) });
setInterval(tick, 200);

const { raw } = takeFragment();
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
  if (phone.pausing) showPause(true);
  join(savedCode, savedToken);
} else {
  if (savedCode || cookie) forgetEverything();
  welcome(linkCode);
}
