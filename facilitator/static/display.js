// The projector display: read-only. Join code and QR while nothing is live, the code in a corner
// always, the activity and a big timer, results only once revealed (stage.js draws them). B
// blanks this screen on its own; F toggles full screen.
import { Connection, redeemTicket } from "/static/shared/connection.js";
import { $, h, replace, takeFragment } from "/static/shared/dom.js";
import { fit, fitOnResize } from "./fit.js";
import { reportScreen } from "./screens.js";
import { joinAddress, spaced, Stage } from "./stage.js";

const KEY = "hearth.display";
const stageEl = $("#stage");
const corner = $("#corner");
const net = $("#net");
const blank = $("#blank");

let conn = null;
let view = null;
let localBlank = false;
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

function message(title, text) {
  corner.replaceChildren();
  blank.hidden = true;
  net.textContent = "";
  replace(stageEl, h("section", { class: "notice" }, h("h1", { text: title }), h("p", { text })));
  fit(stageEl);
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
  setInterval(() => stage.tick(), 200);
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "b" || event.key === "B" || event.key === ".") {
    localBlank = !localBlank;
    render();
  } else if (event.key === "f" || event.key === "F") {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen?.().catch(() => {});
  }
});

fitOnResize(stageEl);
start();
reportScreen();
