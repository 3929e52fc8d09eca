// The person's own signals: "I need a pause" (here) and "a word afterwards" (menu.js). This tab
// keeps each as it is tapped. A tab closed and opened again ("Carry on where I left off") has
// kept nothing, while the room still counts them: it takes them from its snapshot's `you`.
import { $, askedWords } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";
import { phone, saved } from "./phone-state.js";

const pauseButton = $("#pause");

export function showPause(on) {
  pauseButton.setAttribute("aria-pressed", String(on));
  pauseButton.replaceChildren(...(on ? askedWords(t("Pause asked · tap to take back")) : [t("I need a pause")]));
}

export function setPause(on, announce) {
  phone.pausing = on;
  saved.set("pause", on);
  showPause(on);
  phone.conn?.send({ type: "pause", on });
  announce.textContent = on ? t("The facilitator sees that someone asked for a pause, never who.") : t("Pause request taken back.");
}

// Back on line: what this tab holds is the truth (a take-back while away was never heard), so it
// is said again; a tab that holds nothing says nothing, and a newcomer's join costs no more.
export function resendSignals(menu) {
  if (saved.get("pause") !== null) phone.conn?.send({ type: "pause", on: phone.pausing });
  menu.resend();
}

// From a snapshot: a signal the room counts and this tab holds nothing of is taken, and kept as a
// tap keeps it. One the tab holds was just said again, after the snapshot was read; and "off" is
// what a tab with no record shows already (kept as nothing, so a reconnect sends nothing).
export function adoptSignals(you, menu) {
  if (you.pause && saved.get("pause") === null) {
    phone.pausing = true;
    saved.set("pause", true);
    showPause(true);
  }
  if (you.word) menu.adoptWord();
}
