// What the status line under an answer says: sent, stored, hidden here and why, passed, held
// while offline or while the server is in trouble, closed. Read from the phone's state only.
import { t } from "/static/shared/i18n.js";
import { answerNotShown, phone } from "./phone-state.js";

// Written words the person sent, now hidden here: the status says so in place of an empty box.
export function wordsHidden(aid) {
  const { stored, pending, shown } = phone;
  // a word cloud's words too: empty fields and Send again read as if nothing had gone
  return ["text", "words"].includes(stored[aid]?.kind) && !pending[aid] && !shown[aid];
}

// Said plainly what happened to writing that left the box: it was shared, not lost, and is
// hidden only so that the person in the next seat cannot read it.
function sharedText(aid, kind) {
  // a reopened page shows nothing of it, and says so beside this (updateStatus): not "hidden"
  if (answerNotShown(aid)) return kind === "reflection" ? t("Shared anonymously. You can change it until sharing closes.") : t("Your answer is stored; you can change it until it closes.");
  if (kind === "reflection") return t("Shared anonymously. It is kept hidden on this phone, so the person next to you cannot read it. You can change it until sharing closes.");
  if (wordsHidden(aid)) return t("Sent without your name, and stored. It is kept hidden on this phone, so the person next to you cannot read it. You can change it until it closes.");
  return t("Your answer is stored. It is hidden here; you can change it until it closes.");
}

// A reflection's private note outlives the end of sharing: only sharing closes. Words written
// and never sent went with the box: said, not left to look as if they had gone.
function closedText(known, kind, aid) {
  if (!known && kind !== "reflection" && phone.drafts[aid]?.trim()) return t("Answers closed before what you were writing was sent: it was not shared.");
  if (kind === "reflection") return known ? "✓ " + t("Shared anonymously. Sharing is closed now.") : t("Sharing is closed. Your note stays on this phone, and you can keep writing until the next step.");
  return known ? "✓ " + t("Your answer was stored. Answers are closed now.") : t("Answers are closed.");
}

export function statusText(aid, status, kind) {
  if (phone.errors[aid]) return { text: phone.errors[aid], cls: "error" };
  if (phone.pending[aid]) {
    // kept and sent again once back (join.js flush): said, so it never looks stuck
    const live = phone.conn?.status === "live";
    if (live && phone.storeAway) return { text: t("Not sent yet: the server is having trouble for a moment. Your answer waits on this phone and goes by itself once it is back."), cls: "sending" };
    return { text: live ? t("Sending…") : t("Not sent yet: your answer goes as soon as the connection is back."), cls: "sending" };
  }
  const value = phone.stored[aid];
  const known = value || phone.answeredBySnapshot[aid];
  if (status === "open") {
    if (value?.kind === "pass") return { text: "✓ " + t("You passed. You can still answer until it closes."), cls: "stored" };
    if (known) return { text: "✓ " + sharedText(aid, kind), cls: "stored" };
    return { text: "", cls: "" };
  }
  if (value?.kind === "pass") return { text: "✓ " + t("You passed. Answers are closed now."), cls: "stored" };
  return { text: closedText(known, kind, aid), cls: known ? "stored" : "" };
}
