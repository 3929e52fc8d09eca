// The projector display: read-only. Join code and QR while nothing is live, the code in a corner
// always, the activity and a big timer, results only once revealed (stage.js draws them). B
// blanks this screen on its own; F toggles full screen; L (or the menu in the lobby) changes its
// language, remembered in this tab only.
import { Connection, redeemTicket } from "/static/shared/connection.js";
import { $, h, replace, takeFragment } from "/static/shared/dom.js";
import { forScreen, language, languages, load, remember, t, translateMarkup } from "/static/shared/i18n.js";
import { fit, fitOnResize } from "./fit.js";
import { reportScreen } from "./screens.js";
import { joinAddress, spaced, Stage } from "./stage.js";

const KEY = "hearth.display";
const stageEl = $("#stage");
const corner = $("#corner");
const net = $("#net");
const blank = $("#blank");
const picker = $("#display-language");

let conn = null;
let view = null;
let localBlank = false;
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
  replace(corner, h("span", { class: "corner-label", text: joinAddress(room.join_url) }), h("span", { class: "corner-code", text: spaced(room.code) }));
  stage.render(view);
}

// title and text are functions, so a change of language words them again.
function message(title, text) {
  redraw = () => message(title, text);
  corner.replaceChildren();
  blank.hidden = true;
  net.textContent = "";
  replace(stageEl, h("section", { class: "notice" }, h("h1", { text: title() }), h("p", { text: text() })));
  fit(stageEl);
}

async function start(params) {
  if (params.get("ticket")) {
    try {
      const grant = await redeemTicket(params.get("ticket"));
      if (grant.kind === "display") sessionStorage.setItem(KEY, JSON.stringify({ code: grant.code, key: grant.credential }));
    } catch (failure) {
      if (!sessionStorage.getItem(KEY)) {
        message(() => t("This link has been used"), () => [failure.message, t("Open the display again from the console.")].join(" "));
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
    message(() => t("No session"), () => t("Open the display from the facilitator's console."));
    return;
  }
  conn = new Connection({
    role: "display",
    lang: language,
    code: saved.code,
    credential: saved.key,
    handlers: {
      status(status) {
        net.textContent = status === "reconnecting" ? t("Reconnecting…") : "";
      },
      view(next) {
        view = next;
        redraw = () => render();
        render();
      },
      ended(ended) {
        sessionStorage.removeItem(KEY);
        const why = () => ({ lost: t("The server lost it."), abandoned: t("The facilitator could not come back in time.") })[ended.reason] ?? "";
        message(() => t("The session has ended"), () => [why(), t("Thank you. Answers are deleted now that the session has ended.")].filter(Boolean).join(" "));
      },
      rejected() {
        sessionStorage.removeItem(KEY);
        message(() => t("The session has ended"), () => t("This session is no longer running."));
      },
    },
  });
  conn.start();
  setInterval(() => stage.tick(), 200);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "b" || event.key === "B" || event.key === ".") {
    localBlank = !localBlank;
    render();
  } else if (event.key === "l" || event.key === "L") {
    const all = languages().map((entry) => entry.lang);
    if (all.length) switchTo(all[(all.indexOf(language()) + 1) % all.length]);
  } else if (event.key === "f" || event.key === "F") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }
});

// The display's own language: this tab's choice, else the browser's; the console's is apart.
async function switchTo(tag) {
  remember(tag);
  await load(tag);
  translateMarkup();
  fillPicker();
  stage.key = "";
  redraw();
  conn?.send({ type: "sync", lang: tag });
}

function fillPicker() {
  picker.replaceChildren(...languages().map(({ lang, name }) => {
    const option = h("option", { value: lang, lang, text: name });
    option.selected = lang === language();
    return option;
  }));
}

const { params } = takeFragment(); // the ticket leaves the address bar before anything waits
forScreen("display");
await load().catch(() => null); // no catalogue: the display stays in English
translateMarkup();
fillPicker();
picker.addEventListener("change", () => switchTo(picker.value));
fitOnResize(stageEl);
start(params);
reportScreen();
