// The projector display: read-only. Join code and QR while nothing is live, the code in a corner
// always, the activity and a big timer, results only once revealed (stage.js draws them). B
// blanks this screen on its own; F toggles full screen; L (or the menu in the lobby) changes its
// language, and 2 (or the menu beside it) adds a second one beneath, or takes it away; both are
// remembered in this tab only (docs/languages.md says why it is the display's choice).
import { Connection, redeemTicket } from "/static/shared/connection.js";
import { $, h, replace, shortcutKey, takeFragment } from "/static/shared/dom.js";
import { forScreen, language, languages, load, remember, t, translateMarkup, translatorFor } from "/static/shared/i18n.js";
import { inside } from "/static/shared/twins.js";
import { fit, fitOnResize } from "./fit.js";
import { reportScreen } from "./screens.js";
import { joinAddress, spaced, Stage } from "./stage.js";

const KEY = "hearth.display";
const SECOND = "hearth.display.second"; // the second language, if the facilitator asked for one
const stageEl = $("#stage");
const corner = $("#corner");
const net = $("#net");
const blank = $("#blank");
const picker = $("#display-language");
const secondPicker = $("#display-second");

let conn = null;
let view = null;
let localBlank = false;
let secondAsked = 0;
let redraw = () => render();
const stage = new Stage(stageEl, () => (conn ? conn.serverNow() : Date.now()));

// Blank (from the console, or B here) leaves nothing on the page: no content under a cover.
function render() {
  if (!view) return;
  const dark = localBlank || !!view.screen?.blank;
  blank.hidden = !dark;
  if (dark) {
    corner.replaceChildren();
    stageEl.replaceChildren();
    stage.key = "";
    return;
  }
  const room = view.room;
  // the address and the code read left to right whatever the display's language; a locked
  // room shows neither (stage.js lockedLobby)
  if (room.locked) corner.replaceChildren();
  else replace(corner, h("span", { class: "corner-label", dir: "ltr", text: joinAddress(room.join_url) }), h("span", { class: "corner-code", dir: "ltr", text: spaced(room.code) }));
  stage.render(view);
}

// While the server cannot be reached the stage stops updating: the room is told, calmly and in
// both of the display's languages, and the stage is softened (display.css .net).
function showReconnecting(away) {
  document.body.classList.toggle("is-reconnecting", away);
  if (away) replace(net, ...inside(stage.second, (t) => t("Reconnecting…")));
  else net.replaceChildren();
}

// title and text are (t) => words, so a change of language words them again, and a second
// language gives each its twin beneath (stage.say).
function message(title, text) {
  redraw = () => message(title, text);
  corner.replaceChildren();
  blank.hidden = true;
  showReconnecting(false);
  replace(stageEl, h("section", { class: "notice" }, stage.say("h1", "notice-title", title), stage.say("p", "notice-text", text)));
  fit(stageEl);
}

async function start(params) {
  if (params.get("ticket")) {
    try {
      const grant = await redeemTicket(params.get("ticket"));
      if (grant.kind === "display") sessionStorage.setItem(KEY, JSON.stringify({ code: grant.code, key: grant.credential }));
    } catch (failure) {
      if (!sessionStorage.getItem(KEY)) {
        // used or expired: the server's message below says which may be the case
        message((t) => t("This link no longer works"), (t, second) => [second ? null : failure.message, t("Open the display again from the console.")].filter(Boolean).join(" "));
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
    message((t) => t("No session"), (t) => t("Open the display from the facilitator's console."));
    return;
  }
  conn = new Connection({
    role: "display",
    lang: language,
    code: saved.code,
    credential: saved.key,
    handlers: {
      status(status) {
        showReconnecting(status === "reconnecting");
      },
      view(next) {
        view = next;
        redraw = () => render();
        render();
      },
      ended(ended) {
        sessionStorage.removeItem(KEY);
        const why = (t) => ({ lost: t("The server lost it."), abandoned: t("The facilitator could not come back in time.") })[ended.reason] ?? "";
        message((t) => t("The session has ended"), (t) => [why(t), t("Thank you. Answers are deleted now that the session has ended.")].filter(Boolean).join(" "));
      },
      rejected(code) {
        sessionStorage.removeItem(KEY);
        if (code === 4401) {
          // its credential was retired by newer displays (two re-entries): the session runs on,
          // and a room reading "ended" on the wall would believe it
          message((t) => t("This display was replaced"), (t) => t("The session is still running. Open the display again from the facilitator's console."));
          return;
        }
        message((t) => t("The session has ended"), (t) => t("This session is no longer running."));
      },
    },
  });
  conn.start();
  setInterval(() => stage.tick(), 200);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = shortcutKey(event);
  if (key === "b" || key === ".") {
    localBlank = !localBlank;
    render();
  } else if (key === "l") {
    const all = languages().map((entry) => entry.lang);
    if (all.length) switchTo(all[(all.indexOf(language()) + 1) % all.length]);
  } else if (key === "2") {
    const all = ["", ...languages().map((entry) => entry.lang).filter((tag) => tag !== language())];
    setSecond(all[(all.indexOf(secondChoice()) + 1) % all.length]);
  } else if (key === "f") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }
});

// The display's own language: this tab's choice, else the browser's; the console's is apart.
async function switchTo(tag) {
  remember(tag);
  await load(tag);
  translateMarkup();
  conn?.send({ type: "sync", lang: tag });
  await setSecond(secondChoice()); // fills the menus and draws again
}

function secondChoice() {
  try {
    return sessionStorage.getItem(SECOND) || "";
  } catch {
    return "";
  }
}

// A second language beneath the first ("" for none); the same as the first counts as none.
async function setSecond(tag) {
  try {
    if (tag) sessionStorage.setItem(SECOND, tag);
    else sessionStorage.removeItem(SECOND);
  } catch { /* nothing kept, nothing lost */ }
  const asked = ++secondAsked;
  const second = tag && tag !== language() ? await translatorFor(tag).catch(() => null) : null;
  if (asked !== secondAsked) return; // asked again while this one loaded: the last one wins
  stage.second = second;
  fillPicker();
  stage.key = "";
  redraw();
}

function fillPicker() {
  const option = (lang, name, chosen) => {
    const el = h("option", { value: lang, lang: lang || undefined, text: name });
    el.selected = lang === chosen;
    return el;
  };
  picker.replaceChildren(...languages().map(({ lang, name }) => option(lang, name, language())));
  const second = stage.second?.lang ?? "";
  const others = languages().filter(({ lang }) => lang !== language());
  secondPicker.replaceChildren(option("", t("No second language"), second), ...others.map(({ lang, name }) => option(lang, name, second)));
}

const { params } = takeFragment(); // the ticket leaves the address bar before anything waits
forScreen("display");
await load().catch(() => null); // no catalogue: the display stays in English
translateMarkup();
await setSecond(secondChoice());
picker.addEventListener("change", () => switchTo(picker.value));
secondPicker.addEventListener("change", () => setSecond(secondPicker.value));
fitOnResize(stageEl);
start(params);
reportScreen();
