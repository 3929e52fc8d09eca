// Help for the room's two usual snags: phones that cannot reach the laptop, and a display window
// that is not on the projector. What Hearth can tell by itself comes first.
import { t } from "/static/shared/i18n.js";
import { h, replace } from "/static/shared/dom.js";
import { button, linkCommand, withCommand } from "./console-state.js";
import { watchScreens } from "./screens.js";

const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;

function hostOf(url) {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}

// What this page can see: the join address only this computer can open, no network at all.
export function detectedProblems(joinUrl) {
  const found = [];
  if (LOOPBACK.test(hostOf(joinUrl))) {
    found.push(t("The join address points at this computer itself, so phones cannot open it. Hearth is listening on this computer only, or found no network when it started. Join a Wi-Fi network (or your phone's hotspot), then stop Hearth and start it again with “hearth serve” (not with --host 127.0.0.1)."));
  }
  if (navigator.onLine === false) {
    found.push(t("This computer says it has no network connection right now."));
  }
  return found;
}

export function connectHelp(joinUrl) {
  const found = detectedProblems(joinUrl);
  return h(
    "details",
    { class: "connect-help", id: "connect-help", open: found.length > 0 },
    h("summary", { text: t("Phones cannot connect?") }),
    found.length
      ? h("div", { class: "detected", role: "status" }, h("p", { class: "error", text: t("Hearth noticed:") }), h("ul", {}, found.map((text) => h("li", { text }))))
      : null,
    h(
      "ol",
      {},
      h("li", { text: t("Same network: the phones must be on the same Wi-Fi as this computer, not on mobile data. Ask people to check which Wi-Fi they are on.") }),
      h("li", { text: t("Guest Wi-Fi: many venue and guest networks keep devices from reaching each other, so phones see the internet but not this computer. Ask the venue for the staff network, or use a hotspot.") }),
      h("li", { text: t("Phone hotspot: turn on your own phone's hotspot, connect this computer to it, then stop Hearth and start it again so it shows the new address. Participants join your hotspot's Wi-Fi.") }),
      h("li", { text: t("Firewall: when your computer asks whether to allow incoming connections for Python (macOS) or to allow access on private networks (Windows), say yes. If you said no, allow it in the firewall settings.") }),
      h("li", { text: t("Type the address: if the QR code does not work, people can type the address under it, exactly, into the phone's browser.") }),
    ),
  );
}

// A line in the console about the display window's screen; empty (and hidden) when all looks
// right. One line until asked for more: in full it takes a laptop console's centre column; a
// screen reader hears all of it either way.
export function screenWarning() {
  const el = h("p", { class: "screen-warning", id: "screen-warning", role: "status" });
  const box = h("div", { class: "screen-warning-box" }, el);
  const more = button(t("Read more"), () => {
    const open = box.classList.toggle("open");
    more.setAttribute("aria-expanded", String(open));
    more.textContent = open ? t("Show less") : t("Read more");
  }, "quiet small", { "aria-expanded": "false", "aria-controls": "screen-warning" });
  box.append(more);
  watchScreens(({ same, extended }) => {
    if (!same) {
      replace(el);
      return;
    }
    replace(el, h("strong", { text: t("The display window is on this screen.") + " " }),
      extended === false ? t("Only one screen is connected to this computer: connect the projector.") + " " : "",
      t("Drag the display window onto the projector's screen and make it full screen. Set the displays to extend, not mirror: a mirrored projector would show the room this console, its counts and the written answers waiting for you."));
  });
  return box;
}

// No start link kept in this tab (or one a restarted server no longer knows): how to get one.
export function linkNeeded(message = "") {
  return [
    h("h1", { text: t("Open the facilitator link") }),
    message ? h("p", { class: "error", role: "alert", text: message }) : null,
    h("p", {}, withCommand(t("Open the link that “hearth serve” printed when it started. It works once; {command} prints another."), linkCommand())),
  ];
}

// A console a newer link replaced while it was open (the server closes it with 4401 and the
// reason REPLACED): the session runs on, so no start link, no restart, no spent link. Only
// `hearth link --room` replaces the facilitator's credential; the co-facilitator's is replaced
// each time the facilitator makes a co-facilitator link.
export function replacedConsole(seat, code) {
  const lead = seat !== "co";
  return [
    h("h1", { text: t("This console was signed out") }),
    h("p", { class: "error", role: "alert", text: lead
      ? t("A newer link into this session was made on the computer running Hearth, so this tab was signed out: a session has one facilitator console at a time. The session is still running.")
      : t("The facilitator made a newer co-facilitator link, so this tab was signed out: a session has one co-facilitator console at a time. The session is still running.") }),
    lead
      ? h("p", { id: "replaced-next" }, withCommand(t("Carry on in the console that newer link opens. If you did not make it: on the computer running Hearth, {command} prints another link, and opening it signs out the other console."), linkCommand(code)))
      : h("p", { id: "replaced-next", text: t("Carry on in the console that newer link opens, or ask the facilitator for a new one.") }),
  ];
}

// The console cannot tell a spent facilitator link from a co-facilitator's, so this is worded
// for both: only whoever runs Hearth may make a link with `hearth link`.
export function spentLink() {
  return [
    h("h1", { text: t("This link no longer works") }),
    h("p", { text: t("A link works once, for a short while: this one was used already or its time ran out. Ask the facilitator for a new link.") }),
    h("p", { class: "hint", text: t("If you run Hearth yourself: on its computer, “hearth link” prints a new link, and “hearth link --room” with the code brings you back into a running session.") }),
  ];
}

// A room the server lost is gone with its answers: what the facilitator does next, with the
// people still waiting in the room, is a new room (a new link, if Hearth itself restarted).
// After End, in a console that came in by `hearth link --room` (no start link in this tab):
// the way to the next room, where another console would offer "Start another session".
export function startElsewhere() {
  return h("p", { id: "start-elsewhere" }, withCommand(t("To start another session, run {command} on the computer running Hearth and open the link it prints (in this tab, paste it into the address bar)."), linkCommand()));
}

export function lostRoomSteps() {
  return [
    h("p", { id: "lost-next" }, withCommand(t("To carry on, start a new room: on the computer running Hearth, run {command} and open the link it prints. In this tab, paste it into the address bar."), linkCommand())),
    h("p", { text: t("Phones and the display show that the session ended. In the new room, press Open the display and ask everyone to join again with the new code; the answers given before are gone.") }),
  ];
}
