// Written answers reach the facilitator only when answers close: the server shuffles them into
// the review queue then (server/domain/rooms.py), so the order people wrote in never shows.
// Opening something else over an open prompt people have written to would leave their words
// unread for good, so the console asks first (Quick check-in and Grounding now set the prompt
// aside instead, and Resume brings it back with its answers: they do not ask).
import { h, oneAtATime } from "/static/shared/dom.js";
import { plural, t } from "/static/shared/i18n.js";
import { takesWrittenAnswers } from "/static/shared/widgets.js";
import { act, button, state } from "./console-state.js";

// How many have responded to the live activity while its written answers are still unread
// (a response may be a pass: while answers are open, nobody can tell which).
function unreadResponses() {
  const live = state.view?.activity;
  if (live?.status !== "open" || !takesWrittenAnswers(live.definition)) return 0;
  return state.progress.activity === live.id ? state.progress.answered : 0;
}

// Resolves true when the next thing may open: nothing unread is at stake, or the facilitator
// chose to discard it. False when they cancelled, or closed answers first: then `review` shows
// them the queue.
function mayMoveOn(review) {
  const n = unreadResponses();
  if (!n) return Promise.resolve(true);
  return new Promise((resolve) => {
    let verdict = false;
    let reviewing = false;
    const done = (value) => { verdict = value; dialog.close(); };
    const closeFirst = button(t("Close answers first"), async () => {
      if (!(await act(closeFirst, { type: "close" }))) return; // why it failed shows beside it
      reviewing = true;
      done(false);
    });
    const discard = button(t("Discard them and open"), () => done(true), "danger", { id: "move-on-discard" });
    // Enter pressed twice must not discard what people wrote: the focus starts on Cancel.
    const cancel = button(t("Cancel"), () => done(false), "secondary", { id: "move-on-cancel" });
    const dialog = h("dialog", {
      class: "end-confirm move-on", "aria-labelledby": "move-on-text",
      onclose: () => {
        dialog.remove();
        if (reviewing) review(); // after the dialog hands the focus back, so the queue keeps it
        resolve(verdict);
      },
    },
    h("p", { id: "move-on-text", text: plural(
      "{n} person has responded, and written answers reach you only when you close answers. Opening something else now discards them unread.",
      "{n} people have responded, and written answers reach you only when you close answers. Opening something else now discards them unread.",
      n,
    ) }),
    h("div", { class: "row" }, closeFirst, discard, cancel));
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// The console's single open (the form, the run-sheet and the library's Open now). Resolves with
// the ack, or false when the facilitator stayed with what is live or an open was already on its
// way: a second press before the first lands (a double click, N twice) would open the same thing
// again, and every screen would show it twice.
export function opener(request, review) {
  return oneAtATime(async (definition) => (await mayMoveOn(review)) && request({ type: "open", activity: definition }));
}
