// The phone page: welcome, join, the live activity, answers with confirmation, pause, leave.
// Everything it keeps is in sessionStorage (and one rejoin cookie, rejoin.js) and is cleared on
// leave and when the session ends.
import { Connection, forgetSite } from "./connection.js";
import { $, formatClock, h, randomId, replace, takeFragment } from "./dom.js";
import { PhoneMenu } from "./menu.js";
import { pacer } from "./pacer.js";
import { forgetRejoin, keepRejoin, readRejoin } from "./rejoin.js";
import { renderResults, renderTexts } from "./results.js";
import { answerWidget, KIND_NAMES, takesAnswers } from "./widgets.js";

const CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679";

const saved = {
  get(key, fallback = null) {
    try {
      const raw = sessionStorage.getItem(`hearth.${key}`);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    sessionStorage.setItem(`hearth.${key}`, JSON.stringify(value));
  },
};

const app = $("#app");
const net = $("#net");
const actions = $("#actions");
const pauseButton = $("#pause");
const announce = $("#announce");

let conn = null;
let view = null;
let everLive = false;
let renderedKey = "";
let lastAid = null;
let timerEl = null;
let pacerWidget = null;
let statusEl = null;
// Private notes survive a reload (sessionStorage), never the end of the session.
const drafts = new Proxy(saved.get("drafts", {}), {
  set(target, key, value) {
    target[key] = value;
    saved.set("drafts", target);
    return true;
  },
});
const shown = {}; // answers the person tapped to see again; otherwise none is left highlighted
const inflight = {};
const errors = {};
let answeredBySnapshot = {};
let ballots = saved.get("ballots", {});
let pending = saved.get("pending", {});
let stored = saved.get("stored", {});
let notes = saved.get("notes", {}); // content notes seen: "go" or "skip"
let pausing = saved.get("pause", false);
let track = saved.get("track", null);

export function normaliseCode(raw) {
  const code = (raw || "").toUpperCase().replace(/[\s-]/g, "");
  if (code.length !== 6 || [...code].some((ch) => !CODE_ALPHABET.includes(ch))) return null;
  return code;
}

function persist() {
  saved.set("ballots", ballots);
  saved.set("pending", pending);
  saved.set("stored", stored);
  saved.set("notes", notes);
}

function forgetEverything() {
  sessionStorage.clear();
  forgetRejoin();
  forgetSite();
  ballots = {};
  pending = {};
  stored = {};
  notes = {};
  pausing = false;
  track = null;
  for (const key of Object.keys(drafts)) delete drafts[key];
  sessionStorage.clear(); // (deleting drafts wrote them back)
}

// The cookie that lets this phone rejoin as itself after its tab was closed.
function remember(aid = saved.get("lastStored")) {
  const token = saved.get("token");
  const code = saved.get("code");
  if (!token || !code) return;
  const value = aid && ballots[aid] && stored[aid] ? { aid, ballot: ballots[aid], value: stored[aid] } : null;
  keepRejoin({ code, token, answer: value });
}

// -- screens ---------------------------------------------------------------------------------

function welcome(linkCode, message = "") {
  actions.hidden = true;
  const error = h("p", { id: "join-error", class: "error", role: "alert", text: message });
  const input = h("input", {
    id: "code", name: "code", type: "text", autocomplete: "off", autocapitalize: "characters",
    spellcheck: "false", maxlength: "9", inputmode: "text", "aria-describedby": "join-error",
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
          error.textContent = "That does not look like a session code. It has six letters and numbers.";
          input.focus();
          return;
        }
        join(code, null);
      },
    },
    h("label", { for: "code", text: "Session code" }),
    input,
    error,
    h("button", { type: "submit", class: "big", text: "Join" }),
  );
  replace(
    app,
    h("h1", { text: "Welcome" }),
    h("p", { text: "This page lets you answer the group's questions from your phone. You can pass on anything." }),
    h("h2", { text: "Our agreements" }),
    h(
      "ul",
      { class: "agreements" },
      h("li", { text: "What is shared here stays here." }),
      h("li", { text: "Speak for yourself; listen without fixing." }),
      h("li", { text: "Passing is always fine. So is asking for a pause." }),
    ),
    h("h2", { text: "Your privacy" }),
    h(
      "p",
      { class: "privacy" },
      "We never ask your name. Answers are deleted when the session ends, and this page keeps nothing once you leave. ",
      "Results appear only when enough people answered; in a small group, results may still hint at who answered.",
    ),
    form,
  );
  if (!linkCode) input.focus();
}

function farewell(title, text, withSupport = false) {
  actions.hidden = true;
  net.textContent = "";
  replace(
    app,
    h("h1", { text: title }),
    h("p", { text }),
    withSupport ? menu.supportSection() : null,
    h("p", {}, h("a", { href: "/join", class: "button secondary", text: "Join a session" })),
  );
  app.focus();
}

// -- connection ------------------------------------------------------------------------------

function join(code, token) {
  replace(app, h("p", { class: "waiting", text: "Joining…" }));
  conn = new Connection({
    role: "participant",
    code,
    credential: token,
    handlers: {
      welcome(message) {
        if (message.token) {
          saved.set("token", message.token);
          saved.set("code", code);
        } else if (token) {
          saved.set("token", token);
          saved.set("code", code);
        }
        remember();
      },
      status(status) {
        net.textContent = status === "reconnecting" ? "Reconnecting…" : "";
        net.classList.toggle("away", status === "reconnecting");
        if (status === "live") {
          everLive = true;
          if (pausing) conn.send({ type: "pause", on: true });
          menu.resend();
          flush();
        }
      },
      view(next, changes, you) {
        view = next;
        menu.setCard(next.support_card);
        if (you) {
          answeredBySnapshot = next.activity && you.answered ? { [next.activity.id]: true } : {};
          if (you.track) track = you.track;
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
        if (everLive) {
          farewell("The session has ended", "This session is no longer running. This phone keeps nothing from it.");
        } else {
          welcome(code, error?.message || "Could not join that session.");
        }
      },
      error(message) {
        announce.textContent = message.message;
      },
    },
  });
  conn.start();
}

function leave() {
  if (conn) {
    conn.send({ type: "leave" });
    conn.stop();
    conn = null;
  }
  forgetEverything();
  farewell("You have left", "Nothing from this session is kept on this phone. Take care of yourself.");
}

// -- answers ---------------------------------------------------------------------------------

function answer(aid, value) {
  if (!ballots[aid]) ballots[aid] = randomId(18);
  pending[aid] = value;
  delete errors[aid];
  persist();
  render(true);
  flush();
}

// Send every answer not yet acknowledged, with its ballot, so a resend is counted once.
function flush() {
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

function statusText(aid, status) {
  if (errors[aid]) return { text: errors[aid], cls: "error" };
  if (pending[aid]) return { text: "Sending…", cls: "sending" };
  const value = stored[aid];
  const known = value || answeredBySnapshot[aid];
  if (status === "open") {
    if (value?.kind === "pass") return { text: "✓ You passed. You can still answer until it closes.", cls: "stored" };
    if (known) return { text: "✓ Your answer is stored. It is hidden here; you can change it until it closes.", cls: "stored" };
    return { text: "", cls: "" };
  }
  if (known) return { text: "✓ Your answer was stored. Answers are closed now.", cls: "stored" };
  return { text: "Answers are closed.", cls: "" };
}

function updateStatus() {
  if (!statusEl || !view?.activity) return;
  const aid = view.activity.id;
  const { text, cls } = statusText(aid, view.activity.status);
  const canShow = stored[aid] && stored[aid].kind !== "pass" && !pending[aid] && !shown[aid];
  statusEl.replaceChildren(
    text,
    canShow
      ? h("button", { type: "button", class: "quiet small", text: "Show my answer", onclick: () => { shown[aid] = true; render(true); } })
      : "",
  );
  statusEl.className = `answer-status ${cls}`;
}

function awayNotice() {
  if (!view?.room.facilitator_away) return null;
  return h("p", { class: "away-notice", role: "status", text: "The facilitator is reconnecting. Your answers are safe; stay as long as you like." });
}

// -- rendering -------------------------------------------------------------------------------

function trackChooser() {
  if (!view.room.tracks) return null;
  const choose = (value) => {
    track = value;
    saved.set("track", value);
    conn.send({ type: "track", track: value });
    render(true);
  };
  const options = [["hurt", "I was hurt"], ["caused", "I caused hurt"], ["unsaid", "I'd rather not say"]];
  return h(
    "section",
    { class: "tracks", "aria-labelledby": "track-title" },
    h("h2", { id: "track-title", text: "Optional: which side are you on?" }),
    h("p", { class: "hint", text: "Results may be shown per side, each under the same threshold. You can skip this." }),
    h(
      "div",
      { class: "choices", role: "group", "aria-labelledby": "track-title" },
      options.map(([value, label]) =>
        h("button", { type: "button", class: "choice", "aria-pressed": String(track === value), text: label, onclick: () => choose(value) }),
      ),
    ),
  );
}

function contentNote(aid, def, accepting) {
  const decide = (choice) => {
    notes[aid] = choice;
    persist();
    if (choice === "skip" && accepting) answer(aid, { kind: "pass" });
    else render(true);
  };
  return h(
    "div",
    { class: "content-note", role: "note" },
    h("h2", { text: "Content note" }),
    h("p", { text: def.content_note }),
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", text: "Continue", onclick: () => decide("go") }),
      h("button", { type: "button", class: "secondary", text: "Skip this one", onclick: () => decide("skip") }),
    ),
  );
}

function render(force) {
  if (!view) return;
  const a = view.activity;
  const key = JSON.stringify([a?.id, a?.status, view.results, view.texts, view.room.tracks, view.room.facilitator_away, !!view.timer, track, a && notes[a.id], a && stored[a.id], a && pending[a.id], a && shown[a.id]]);
  if (!force && key === renderedKey) {
    updateStatus();
    return;
  }
  const announceNew = a && a.id !== lastAid;
  lastAid = a?.id ?? null;
  renderedKey = key;
  timerEl = null;
  pacerWidget = null;
  statusEl = null;
  if (!a) {
    replace(
      app,
      awayNotice(),
      h("h1", { text: "You're in" }),
      h("p", { class: "waiting", text: "Waiting for the next activity. It will appear here by itself." }),
      trackChooser(),
    );
    return;
  }
  const def = a.definition;
  const accepting = a.status === "open" && takesAnswers(def);
  const parts = [awayNotice(), h("p", { class: "kind", text: KIND_NAMES[def.kind] ?? "Activity" })];
  parts.push(h("h1", { id: "activity-title", text: def.title || KIND_NAMES[def.kind] || "Activity" }));
  parts.push(h("p", { class: "activity-text", text: def.text }));
  if (view.timer) {
    timerEl = h("p", { class: "timer", role: "timer", "aria-label": "Time left" });
    parts.push(timerEl);
  }
  const note = def.content_note && a.status === "open" ? notes[a.id] : "go";
  if (note === undefined) {
    parts.push(contentNote(a.id, def, accepting));
  } else if (note === "skip") {
    parts.push(h("p", { class: "skipped", text: "You skipped this one. Take whatever care you need." }));
  } else {
    if (def.kind === "grounding") {
      pacerWidget = pacer(def, () => conn.serverNow(), { cues: true });
      parts.push(pacerWidget.el);
    }
    if (accepting) {
      // Once stored, an answer is not left highlighted for a neighbour to read; a tap shows it.
      const mine = pending[a.id] || (shown[a.id] ? stored[a.id] : null);
      const widget = answerWidget(def, { stored: mine, send: (value) => answer(a.id, value), drafts, aid: a.id });
      if (widget) parts.push(widget);
    } else if (def.kind === "reflection" && a.status === "open") {
      parts.push(answerWidget(def, { stored: null, send: () => {}, drafts, aid: a.id }));
    }
  }
  if (takesAnswers(def)) {
    statusEl = h("p", { class: "answer-status", role: "status", "aria-live": "polite" });
    parts.push(statusEl);
    if (accepting && note !== undefined) {
      parts.push(h("button", { type: "button", class: "secondary pass", text: "Pass", onclick: () => answer(a.id, { kind: "pass" }) }));
    }
  }
  if (a.status === "revealed" && view.results) {
    parts.push(h("section", { class: "results", "aria-label": "Results" }, h("h2", { text: "What the group said" }), renderResults(view.results, def)));
  }
  const cards = renderTexts(view.texts);
  if (cards) parts.push(h("section", { class: "texts", "aria-label": "Shared answers" }, h("h2", { text: "Shared answers" }), cards));
  replace(app, h("section", { class: "activity", "aria-labelledby": "activity-title" }, parts));
  updateStatus();
  tick();
  if (announceNew) announce.textContent = `New: ${def.title || KIND_NAMES[def.kind]}`;
}

function tick() {
  if (timerEl && view?.timer) {
    const t = view.timer;
    const state = t.running ? "" : t.remaining_ms < t.duration_ms ? "paused" : "not started";
    timerEl.replaceChildren(formatClock(conn.remainingMs(t)), state ? h("span", { class: "timer-state", text: state }) : "");
    timerEl.classList.toggle("paused", !t.running);
  }
  if (pacerWidget) pacerWidget.tick();
}

// -- start -----------------------------------------------------------------------------------

function setPause(on) {
  pausing = on;
  saved.set("pause", on);
  pauseButton.setAttribute("aria-pressed", String(on));
  pauseButton.textContent = on ? "Pause asked · tap to take back" : "I need a pause";
  conn?.send({ type: "pause", on });
  announce.textContent = on ? "The facilitator sees that someone asked for a pause, never who." : "Pause request taken back.";
}

pauseButton.addEventListener("click", () => setPause(!pausing));
const menu = new PhoneMenu({ saved, announce, send: (message) => conn?.send(message), leave });
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
    ballots[cookie.answer.aid] = cookie.answer.ballot;
    stored[cookie.answer.aid] = cookie.answer.value;
    saved.set("lastStored", cookie.answer.aid);
    persist();
  }
}
if (savedCode && savedToken && (!linkCode || linkCode === savedCode)) {
  if (pausing) {
    pauseButton.setAttribute("aria-pressed", "true");
    pauseButton.textContent = "Pause asked · tap to take back";
  }
  join(savedCode, savedToken);
} else {
  if (savedCode || cookie) forgetEverything();
  welcome(linkCode);
}
