// The phone page, start-up: welcome and join, the connection, answers sent until acknowledged,
// pause and leave. What it keeps is in phone-state.js; what it shows, in phone-render.js.
import { Connection } from "/static/shared/connection.js";
import { $, h, onSignalTap, randomId, replace, takeFragment } from "/static/shared/dom.js";
import { language, load, remember as keepLanguage, t, translateMarkup } from "/static/shared/i18n.js";
import { languageOptions, PhoneMenu } from "./menu.js";
import { clearNews, forgetScreen, freshScreen, render, renderHooks, tick, updateStatus } from "./phone-render.js";
import {
  dropDraftsBeside, forgetEverything, normaliseCode, persist, phone, remember, saved, whyNotACode,
} from "./phone-state.js";
import { readRejoin, REFRESH_MS } from "./rejoin.js";
import { adoptSignals, resendSignals, setPause, showPause } from "./signals.js";
import { whoIsJoining } from "./who-joins.js";

const app = $("#app");
const net = $("#net");
const actions = $("#actions");
const pauseButton = $("#pause");
const announce = $("#announce");
let everLive = false;
let activitySeen; // the id of the activity in the latest view (null: none)
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
    languageField(),
  );
  if (!linkCode) input.focus();
}

// The menu waits until the phone has joined; the language can be changed before that too.
function languageField() {
  const picker = h("select", { id: "welcome-language", onchange: () => switchTo(picker.value) }, languageOptions());
  return h("p", { class: "language-field welcome-language" }, h("label", { for: "welcome-language", text: t("Language") }), " ", picker);
}

// Another tab of this phone was in the session: ask who this is first (who-joins.js).
function askWhoIsJoining(cookie) {
  redraw = () => askWhoIsJoining(cookie);
  actions.hidden = true;
  whoIsJoining(app, cookie, { join, languageField });
}

// title and text are functions, so a change of language words them again.
function farewell(title, text, withSupport = false) {
  redraw = () => farewell(title, text, withSupport);
  forgetScreen();
  actions.hidden = true;
  net.textContent = "";
  replace(app, h("h1", { text: title() }), h("p", { text: text() }), withSupport ? menu.supportSection() : null,
    h("p", { class: "farewell-actions" }, h("a", { href: "/join", class: "button secondary", text: t("Join a session") })));
  freshScreen();
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
        updateStatus(); // an answer waiting says whether it is on its way
        if (status === "live") {
          everLive = true;
          resendSignals(menu);
          flush();
        }
      },
      view(next, changes, you) {
        // (next is the connection's view, updated in place: the activity seen last is kept here)
        if ((next.activity?.id ?? null) !== activitySeen) {
          activitySeen = next.activity?.id ?? null;
          dropDraftsBeside(next.activity);
          remember(); // the page is in use: the rejoin cookie's lifetime rolls on
        }
        phone.view = next;
        // A view came through the store: a word that it could not be reached is over.
        if (phone.storeAway) announce.textContent = phone.storeAway = "";
        menu.setCard(next.support_card);
        if (you) {
          phone.answeredBySnapshot = next.activity && you.answered ? { [next.activity.id]: true } : {};
          if (you.track) phone.track = you.track;
          adoptSignals(you, menu);
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
        phone.storeAway = message.code === "unavailable" ? message.message : "";
        updateStatus(); // an answer waiting says why, where the person looks
      },
    },
  });
  phone.conn.start();
}

function leave() {
  // The answer to the activity still open leaves too: joining again makes a new person, who
  // would otherwise be counted twice. Its ballot is the only way to find it (docs/privacy.md).
  const aid = phone.view?.activity?.id, ballot = aid && phone.ballots[aid];
  const counted = !!ballot && !!(phone.stored[aid] || phone.inflight[aid]);
  const told = !!phone.conn?.send(ballot ? { type: "leave", activity: aid, ballot } : { type: "leave" });
  phone.conn?.stop();
  phone.conn = null;
  forgetEverything();
  // Offline, the room never hears of it: say that answer still counts, not that it left.
  farewell(() => t("You have left"), () => (counted && !told
    ? t("Nothing from this session is kept on this phone. This phone was offline, so your answer to the question still open could not be taken back: it still counts, and nothing links it to you. Take care of yourself.")
    : t("Nothing from this session is kept on this phone. Your answer to a question still open left with you; answers you gave before still count, and nothing links them to you. Take care of yourself.")), true);
}

// -- answers ---------------------------------------------------------------------------------

function answer(aid, value) {
  if (!phone.ballots[aid]) phone.ballots[aid] = randomId(18);
  phone.pending[aid] = value;
  delete phone.errors[aid];
  persist();
  // The ballot goes in the rejoin cookie before the answer is sent: a tab closed before the
  // acknowledgement comes back with it, and can still change that answer.
  saved.set("lastAnswered", aid);
  remember(aid);
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
        if (value.kind === "text") delete drafts[aid]; // not left on screen for a neighbour, nor in storage
        persist();
        updateStatus();
        render(false);
        flush();
      },
      (error) => {
        settle();
        if (["offline", "disconnected", "stopped"].includes(error.code)) return; // resent on reconnect
        if (error.code === "unavailable") {
          // The store is out of reach: kept and sent again (same ballot, counted once), and said.
          phone.storeAway ||= error.message;
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

// Another language, at once: this tab remembers it, every word on screen changes, and the
// server words its errors to this phone in it from now on (kept on the connection only).
async function switchTo(tag) {
  keepLanguage(tag);
  await load(tag);
  translateMarkup();
  menu.relabel();
  showPause(phone.pausing);
  clearNews();
  const focused = document.activeElement?.id; // a menu used by keyboard keeps the focus
  redraw();
  if (focused) document.getElementById(focused)?.focus();
  phone.conn?.send({ type: "sync", lang: tag });
}

const { raw } = takeFragment(); // the code leaves the address bar before anything else waits
await load().catch(() => null); // no catalogue: the page stays in English
translateMarkup();
showPause(phone.pausing);
onSignalTap(pauseButton, () => phone.pausing, (on) => setPause(on, announce));
const menu = new PhoneMenu({ saved, announce, send: (message) => phone.conn?.send(message), leave, switchTo });
renderHooks({ app, answer, announce: (text) => (announce.textContent = text) });
setInterval(tick, 200);

// The rejoin cookie's lifetime rolls on while the page is in use, and starts afresh when it is
// hidden or closed (rejoin.js says why); remember() does nothing once the phone has left.
// A page going away also stops its connection: a tab still being torn down would otherwise
// reconnect, hear that the session ended and forget the cookie the tab was closed with.
// (Back to the page from the back-forward cache asks who is joining: pageshow, below.)
setInterval(() => remember(), REFRESH_MS);
document.addEventListener("visibilitychange", () => remember());
addEventListener("pagehide", () => {
  remember();
  phone.conn?.stop();
});
addEventListener("hashchange", () => location.reload()); // a link opened in this tab: only the part after "#" changed

const linkCode = raw ? normaliseCode(decodeURIComponent(raw)) : null;
const savedCode = saved.get("code"), savedToken = saved.get("token");
const cookie = readRejoin();
// Back (or forward) to this page from another one may be someone else's hand on the same tab,
// as may a page restored from the back-forward cache: ask, as a reopened tab does. A reload is
// the same person and goes straight on.
const returned = performance.getEntriesByType("navigation")[0]?.type === "back_forward";
addEventListener("pageshow", (event) => {
  if (!event.persisted || !saved.get("token")) return;
  phone.conn?.stop();
  askWhoIsJoining({ code: saved.get("code"), token: saved.get("token"), ballot: null });
});
if (savedCode && savedToken && returned && (!linkCode || linkCode === savedCode)) {
  askWhoIsJoining({ code: savedCode, token: savedToken, ballot: null });
} else if (savedCode && savedToken && (!linkCode || linkCode === savedCode)) {
  join(savedCode, savedToken); // this tab's own session, after a reload: no question
} else if (!savedToken && cookie && (!linkCode || linkCode === cookie.code)) {
  askWhoIsJoining(cookie); // a tab closed and opened again, or a new one: whose turn is it?
} else {
  if (savedCode || cookie) forgetEverything();
  welcome(linkCode);
}
