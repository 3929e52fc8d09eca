// The phone's "More" menu: "I'd like a word afterwards", the support card, text size, a dim or
// bright screen, language, which side the person is on (when the room asks), Leave. The word
// signal, text size, screen and language live in sessionStorage like the rest.
import { $, askedWords, h, onSignalTap, replace } from "/static/shared/dom.js";
import { cardWords, language, languages, t } from "/static/shared/i18n.js";
import { withNumbers } from "./dial.js";

const SIZES = [1, 1.2, 1.4];
// The phone's own dark setting, until the person picks one here (base.css: data-screen).
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

// The side chosen is not left pressed for a neighbour to read (of all on the phone, perhaps the
// most telling, and it stood on every waiting screen): a line says it is kept, and a tap shows
// it until the next tap, as "Show my answer" does.
let sideShown = false;

// The side question, worded alike on the waiting screen and under "More": which side of the
// betrayal this person is on, if they want to say. choose(value) records and sends it.
export function sideChooser({ id, current, choose }) {
  const options = [["hurt", t("I was hurt")], ["caused", t("I caused hurt")], ["unsaid", t("I'd rather not say")]];
  const shown = sideShown && !!current;
  const pick = (value) => () => { sideShown = false; choose(value); };
  return h(
    "section",
    { class: "tracks", "aria-labelledby": id },
    h("h2", { id, text: t("Optional: which side are you on?") }),
    h("p", { class: "hint", text: t("If results are shown per side, each side's answers stay hidden until enough people on that side have answered. You can skip this.") }),
    h("div", { class: "choices", role: "group", "aria-labelledby": id },
      options.map(([value, label]) => h("button", { type: "button", class: "choice", "data-side": value, "aria-pressed": String(shown && current === value), text: label, onclick: pick(value) }))),
    current ? h("p", { class: "side-kept" }, "✓ " + t("Your side is saved. It is hidden here, so the person next to you cannot read it."), " ",
      h("button", { type: "button", class: "quiet small side-show", text: shown ? t("Hide my side") : t("Show my side"), onclick: () => showSide(current) })) : null,
  );
}

// Every chooser on the page (the waiting screen's and the menu's) at once.
function showSide(current) {
  sideShown = !sideShown;
  for (const b of document.querySelectorAll(".tracks [data-side]")) b.setAttribute("aria-pressed", String(sideShown && b.dataset.side === current));
  for (const b of document.querySelectorAll(".side-show")) b.textContent = sideShown ? t("Hide my side") : t("Show my side");
}

// Under "More" whenever the room offers sides: the waiting screen, where the question is also
// asked, may never come again once a plan runs, and someone who came late or chose wrongly
// must still be able to say.
export function offerSides(offered, current, choose) {
  const box = $("#menu-sides");
  if (!box) return;
  box.hidden = !offered;
  replace(box, offered ? sideChooser({ id: "menu-sides-title", current, choose }) : null);
}

// The shipped languages, each in its own words, the current one chosen.
export function languageOptions() {
  return languages().map(({ lang, name }) => {
    const option = h("option", { value: lang, lang, text: name });
    option.selected = lang === language();
    return option;
  });
}

export class PhoneMenu {
  constructor({ saved, announce, send, leave, switchTo }) {
    this.saved = saved;
    this.announce = announce;
    this.send = send; // (message) => void
    this.card = null;
    this.toggle = $("#menu");
    this.panel = $("#menu-panel");
    this.wordButton = $("#word");
    this.dialog = $("#support-dialog");
    this.word = saved.get("word", false);
    this.size = saved.get("size", 0);
    this.screen = saved.get("screen", null); // "dim", "bright", or null: as the phone is set
    this.toggle.addEventListener("click", (event) => {
      this.open(this.panel.hidden);
      // Opened from a keyboard (a click without a pointer: detail 0), its first item takes the
      // focus: the items come before this button in the page, and Tab left the page instead.
      if (!this.panel.hidden && event.detail === 0) this.panel.querySelector("button")?.focus();
    });
    // Escape shuts the open menu from anywhere on the page but a dialog, as it shuts the support
    // dialog, and gives the focus back to the button that opened it.
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape" || this.panel.hidden || document.querySelector("dialog[open]")) return;
      event.preventDefault();
      this.open(false);
      this.toggle.focus();
    });
    onSignalTap(this.wordButton, () => this.word, (on) => this.setWord(on));
    $("#support").addEventListener("click", () => this.showSupport());
    $("#text-size").addEventListener("click", () => this.setSize((this.size + 1) % SIZES.length));
    $("#screen-tone").addEventListener("click", () => this.setScreen(this.dim() ? "bright" : "dim"));
    systemDark.addEventListener("change", () => this.applyScreen());
    // Leave asks first: it sits among the settings, and in a locked room there is no way back
    // in. Stay has the focus, so Enter or Escape keeps the person in.
    const asking = $("#leave-dialog");
    $("#leave").addEventListener("click", () => asking.showModal());
    $("#leave-stay").addEventListener("click", () => asking.close());
    $("#leave-go").addEventListener("click", () => { asking.close(); leave(); });
    $("#support-close").addEventListener("click", () => this.dialog.close());
    this.picker = $("#language");
    this.picker.addEventListener("change", () => switchTo(this.picker.value));
    this.relabel();
  }

  // Every word of the menu in the current language (at start and after a switch).
  relabel() {
    this.picker.replaceChildren(...languageOptions());
    this.applySize();
    this.applyScreen();
    this.renderWord();
    this.open(!this.panel.hidden);
  }

  open(on) {
    this.panel.hidden = !on;
    this.toggle.setAttribute("aria-expanded", String(on));
    this.toggle.textContent = on ? t("Close") : t("More");
  }

  setCard(card) {
    this.card = card || null; // every language of it: the phone's is picked when shown
    if (this.dialog.open) replace($("#support-body"), ...this.supportBody()); // changed while read
  }

  supportBody() {
    const { text, lang } = cardWords(this.card, language());
    const lines = text ? text.split(/\n+/).map((line) => h("p", { lang: lang || undefined, dir: "auto" }, withNumbers(line))) : [];
    return [...lines, h("p", { class: "hint", text: t("You may step out at any time; a facilitator will follow when they can.") })];
  }

  showSupport() {
    replace($("#support-body"), ...this.supportBody());
    this.open(false);
    this.dialog.showModal();
  }

  // For the end screen: the card as a section of the page.
  supportSection() {
    return h("section", { class: "support-card", "aria-labelledby": "support-end" }, h("h2", { id: "support-end", text: t("Support") }), ...this.supportBody());
  }

  setWord(on, quiet = false) {
    this.word = on;
    this.saved.set("word", on);
    this.renderWord();
    this.send({ type: "word", on });
    if (!quiet) {
      this.announce.textContent = on
        ? t("The facilitator sees that someone would like a word afterwards, never who.")
        : t("Taken back.");
    }
  }

  renderWord() {
    this.wordButton.setAttribute("aria-pressed", String(this.word));
    this.wordButton.replaceChildren(...(this.word ? askedWords(t("Word afterwards asked · tap to take back")) : [t("I'd like a word afterwards")]));
  }

  // Back on line: this tab's own word, on or taken back, said again (signals.js).
  resend() {
    if (this.saved.get("word") !== null) this.send({ type: "word", on: this.word });
  }

  // Asked from a tab since closed, and still counted (signals.js): shown and kept, not sent.
  adoptWord() {
    if (this.saved.get("word") !== null) return;
    this.word = true;
    this.saved.set("word", true);
    this.renderWord();
  }

  setSize(index) {
    this.size = index;
    this.saved.set("size", index);
    this.applySize();
  }

  applySize() {
    document.documentElement.style.fontSize = `${SIZES[this.size] * 100}%`;
    $("#text-size").textContent = this.size === SIZES.length - 1 ? t("Smaller text") : t("Larger text");
  }

  dim() {
    return this.screen ? this.screen === "dim" : systemDark.matches;
  }

  setScreen(screen) {
    this.screen = screen;
    this.saved.set("screen", screen);
    this.applyScreen();
  }

  // The button offers the other one, so it says what pressing it does.
  applyScreen() {
    if (this.screen) document.documentElement.dataset.screen = this.screen;
    else delete document.documentElement.dataset.screen;
    $("#screen-tone").textContent = this.dim() ? t("Bright screen") : t("Dim screen");
  }
}
