// The projector display: read-only. Join code and QR while nothing is live, the code in a corner
// always, the activity and a big timer, results only once revealed. B blanks the screen here.
import { Connection, redeemTicket } from "/static/participant/connection.js";
import { $, formatClock, h, replace, svgFrom, takeFragment } from "/static/participant/dom.js";
import { pacer } from "/static/participant/pacer.js";
import { renderResults, renderTexts, renderTrend } from "/static/participant/results.js";
import { reportScreen } from "./screens.js";

const KEY = "hearth.display";
const stage = $("#stage");
const corner = $("#corner");
const net = $("#net");
const blank = $("#blank");

let conn = null;
let view = null;
let localBlank = false;
let timerEl = null;
let pacerWidget = null;
let renderedKey = "";

function joinAddress(url) {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}

function spaced(code) {
  return `${code.slice(0, 3)} ${code.slice(3)}`;
}

function updateBlank() {
  blank.hidden = !(localBlank || view?.screen?.blank);
}

function lobby(room) {
  return h(
    "section",
    { class: "lobby" },
    h(
      "div",
      { class: "lobby-text" },
      h("h1", { text: "Join on your phone" }),
      h("p", { class: "lobby-step", text: `Open ${joinAddress(room.join_url)}` }),
      h("p", { class: "lobby-step", text: "and enter the code" }),
      h("p", { class: "big-code", "aria-label": `Code ${room.code.split("").join(" ")}`, text: spaced(room.code) }),
      h("p", { class: "lobby-hint", text: "We never ask your name. Answers are deleted when the session ends." }),
    ),
    room.qr_svg ? h("div", { class: "qr" }, svgFrom(room.qr_svg, "QR code to join the session")) : null,
  );
}

function activity(view) {
  const a = view.activity;
  const def = a.definition;
  const parts = [];
  if (def.title) parts.push(h("h1", { class: "title", text: def.title }));
  parts.push(h("p", { class: "text", text: def.text }));
  if (view.timer) {
    timerEl = h("p", { class: "timer", role: "timer", "aria-label": "Time left" });
    parts.push(timerEl);
  }
  if (def.kind === "grounding") {
    pacerWidget = pacer(def, () => conn.serverNow());
    parts.push(pacerWidget.el);
  }
  if (a.status === "revealed" && view.results) {
    parts.push(h("section", { class: "results", "aria-label": "Results" }, renderResults(view.results, def)));
  } else if (a.status === "open" && ["poll", "scale", "words", "checkin"].includes(def.kind)) {
    parts.push(h("p", { class: "hint", text: "Answer on your phone. You can always pass." }));
  } else if (a.status === "closed") {
    parts.push(h("p", { class: "hint", text: "Answers are closed." }));
  }
  const cards = renderTexts(view.texts);
  if (cards) parts.push(h("section", { class: "texts", "aria-label": "Shared answers" }, cards));
  return h("section", { class: `live kind-${def.kind}` }, parts);
}

function render() {
  if (!view) return;
  const room = view.room;
  replace(corner, h("span", { class: "corner-label", text: joinAddress(room.join_url) }), h("span", { class: "corner-code", text: spaced(room.code) }));
  updateBlank();
  const key = JSON.stringify([view.activity, view.results, view.texts, !!view.timer, view.trend, room.code, room.join_url, room.facilitator_away]);
  if (key === renderedKey) return;
  renderedKey = key;
  timerEl = null;
  pacerWidget = null;
  const idle = view.trend ? h("div", { class: "live" }, renderTrend(view.trend)) : lobby(room);
  const away = room.facilitator_away ? h("p", { class: "away-notice", role: "status", text: "The facilitator is reconnecting…" }) : null;
  replace(stage, away, view.activity ? activity(view) : idle);
  document.body.classList.toggle("has-activity", !!view.activity);
  tick();
}

function tick() {
  if (timerEl && view?.timer) {
    timerEl.textContent = formatClock(conn.remainingMs(view.timer));
    timerEl.classList.toggle("paused", !view.timer.running);
  }
  if (pacerWidget) pacerWidget.tick();
}

function message(title, text) {
  corner.replaceChildren();
  blank.hidden = true;
  net.textContent = "";
  replace(stage, h("section", { class: "notice" }, h("h1", { text: title }), h("p", { text })));
}

async function start() {
  const { params } = takeFragment();
  if (params.get("ticket")) {
    try {
      const grant = await redeemTicket(params.get("ticket"));
      if (grant.kind === "display") sessionStorage.setItem(KEY, JSON.stringify({ code: grant.code, key: grant.credential }));
    } catch (failure) {
      if (!sessionStorage.getItem(KEY)) {
        message("This link has been used", `${failure.message} Open the display again from the console.`);
        return;
      }
    }
  }
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    saved = null;
  }
  if (!saved) {
    message("No session", "Open the display from the facilitator's console.");
    return;
  }
  conn = new Connection({
    role: "display",
    code: saved.code,
    credential: saved.key,
    handlers: {
      status(status) {
        net.textContent = status === "reconnecting" ? "Reconnecting…" : "";
      },
      view(next) {
        view = next;
        render();
      },
      ended(ended) {
        sessionStorage.removeItem(KEY);
        const why = { lost: "The server lost it. ", abandoned: "The facilitator could not come back in time. " }[ended.reason] ?? "";
        message("The session has ended", `${why}Thank you. Answers are deleted now that the session has ended.`);
      },
      rejected() {
        sessionStorage.removeItem(KEY);
        message("The session has ended", "This session is no longer running.");
      },
    },
  });
  conn.start();
  setInterval(tick, 200);
}

document.addEventListener("keydown", (event) => {
  if (event.key === "b" || event.key === "B" || event.key === ".") {
    localBlank = !localBlank;
    updateBlank();
  } else if (event.key === "f" || event.key === "F") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }
});

start();
reportScreen();
