// A tab with no session of its own, on a phone that was in this session in another tab (the
// rejoin cookie): it may be the same person whose tab closed, or their partner on a phone they
// share. Never take the second in as the first without asking.
import { h, replace } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";
import { forgetThisPerson, persist, phone, saved } from "./phone-state.js";

// `join(code, token)` joins (token null: as someone new); `languageField()` the language picker.
export function whoIsJoining(app, cookie, { join, languageField }) {
  const title = h("h1", { id: "who-title", tabindex: "-1", text: t("Who is using this phone?") });
  replace(
    app,
    h("section", { class: "who-is-joining", "aria-labelledby": "who-title", "aria-describedby": "who-text" },
      title,
      h("p", { id: "who-text", class: "lead", text: t("Someone has already joined this session on this phone. If that was you, carry on where you left off. If you are someone else, join as yourself: each person's answers stay their own.") }),
      h("div", { class: "choices" },
        // two equal choices: neither is offered as the default to a partner holding the phone
        h("button", { type: "button", class: "big secondary", text: t("Carry on where I left off"), onclick: () => carryOn(cookie, join) }),
        h("button", { type: "button", class: "big secondary", text: t("Join as someone new"), onclick: () => joinAsSomeoneNew(cookie.code, join) }))),
    languageField(),
  );
  title.focus(); // a screen reader starts at the question; Tab reaches the two answers next
}

// The same person: their token, and the ballot of their latest answer, so a change of mind
// replaces it. The answer itself was never kept (rejoin.js), so this page cannot show it.
function carryOn({ code, token, ballot }, join) {
  saved.set("code", code);
  saved.set("token", token);
  if (ballot) {
    phone.ballots[ballot.aid] = ballot.ballot;
    saved.set("lastAnswered", ballot.aid);
    persist();
  }
  join(code, token);
}

// Someone else: what this phone kept of the other person goes (their place and answers stay in
// the room), and this one joins with a token of their own.
function joinAsSomeoneNew(code, join) {
  forgetThisPerson();
  join(code, null);
}
