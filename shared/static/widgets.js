// Answer widgets for the phone: large touch targets, one per activity kind. Each calls
// send(value) with a value the server's activities.py accepts.
import { formatClock, h } from "./dom.js";
import { plural, t } from "./i18n.js";

const CHARS_LEFT = (max, len) => plural("{n} character left", "{n} characters left", max - len);

// An option someone wrote, in its own direction and language (dir="auto"; lang: the activity's,
// when known): an English option on an Arabic phone reads, wraps and lines up as English, and a
// screen reader says it in English; the button and its mark keep the page's direction.
const optionText = (option, lang) => h("span", { class: "option-text", lang: lang || undefined, dir: "auto", text: option });

function choiceButtons(options, chosen, onPick, label, lang) {
  return h(
    "div",
    { class: "choices", role: "group", "aria-label": label },
    options.map((option, i) =>
      h("button", { type: "button", class: "choice", "aria-pressed": String(chosen === i), onclick: () => onPick(i) }, optionText(option, lang)),
    ),
  );
}

function multiChoice(def, stored, send) {
  const picked = new Set(stored?.kind === "choices" ? stored.options : []);
  const boxes = def.options.map((option, i) => {
    const input = h("input", { type: "checkbox", id: `opt-${i}`, value: String(i) });
    input.checked = picked.has(i);
    return h("label", { class: "check", for: `opt-${i}` }, input, optionText(option, def.lang));
  });
  const submit = h("button", {
    type: "submit",
    text: t("Send"),
  });
  return h(
    "form",
    {
      class: "multi",
      onsubmit: (event) => {
        event.preventDefault();
        const options = boxes.map((b, i) => (b.querySelector("input").checked ? i : -1)).filter((i) => i >= 0);
        if (options.length) send({ kind: "choices", options });
      },
    },
    h("fieldset", {}, h("legend", { text: t("Choose all that fit") }), boxes),
    submit,
  );
}

function scale(def, stored, send) {
  const chosen = stored?.kind === "scale" ? stored.value : null;
  const points = Array.from({ length: def.points }, (_, i) => i + 1);
  return h(
    "div",
    { class: "scale-answer" },
    h(
      "div",
      { class: `points points-${def.points}`, role: "group", "aria-label": t("Choose from 1 to {n}", { n: def.points }) },
      points.map((value) =>
        h("button", {
          type: "button",
          class: "point",
          "aria-pressed": String(chosen === value),
          "aria-label": labelFor(def, value),
          text: String(value),
          onclick: () => send({ kind: "scale", value }),
        }),
      ),
    ),
    def.low_label || def.high_label
      ? h("p", { class: "scale-legend" }, h("span", { text: `1 ${def.low_label}` }), h("span", { text: `${def.points} ${def.high_label}` }))
      : null,
  );
}

function labelFor(def, value) {
  if (value === 1 && def.low_label) return `1, ${def.low_label}`;
  if (value === def.points && def.high_label) return `${value}, ${def.high_label}`;
  return String(value);
}

// An answer in words, for "Show my answer" once answers are closed and no widget is left to
// show it in: the option chosen, the scale's point, the words or the text.
export function answerInWords(def, value) {
  const options = def.options || [];
  switch (value?.kind) {
    case "choice": return options[value.option] ?? "";
    case "choices": return value.options.map((i) => options[i]).join(" · ");
    case "scale": return labelFor(def, value.value);
    case "words": return value.words.join(" · ");
    case "text": return value.text;
    default: return "";
  }
}

function textBox({ id, label, hint, max, draft, onDraft, button, onSend }) {
  const area = h("textarea", { id, rows: "5", maxlength: String(max), "aria-describedby": `${id}-hint ${id}-left` });
  area.value = draft || "";
  const left = h("p", { id: `${id}-left`, class: "counter", text: CHARS_LEFT(max, area.value.length) });
  // A paste longer than the room left loses its end without a word from the browser: said once.
  const cut = h("p", { class: "hint pasted-cut", role: "status" });
  let overflowing = false;
  area.addEventListener("paste", (event) => {
    const room = max - area.value.length + (area.selectionEnd - area.selectionStart);
    overflowing = (event.clipboardData?.getData("text") || "").replace(/\r\n?/g, "\n").length > room;
  });
  area.addEventListener("input", () => {
    left.textContent = CHARS_LEFT(max, area.value.length);
    cut.textContent = overflowing ? t("The end of what you pasted did not fit: an answer holds {max} characters at most. Check how it ends before you send it.", { max }) : "";
    overflowing = false;
    onDraft(area.value);
  });
  return h(
    "form",
    {
      class: "text-answer",
      onsubmit: (event) => {
        event.preventDefault();
        const text = area.value.trim();
        if (text && onSend) onSend(text);
      },
    },
    h("label", { for: id, text: label }),
    h("p", { id: `${id}-hint`, class: "hint", text: hint }),
    area,
    left,
    cut,
    button ? h("button", { type: "submit", text: button }) : null,
  );
}

function words(def, stored, send) {
  const previous = stored?.kind === "words" ? stored.words : [];
  const inputs = Array.from({ length: def.max_words }, (_, i) => {
    const input = h("input", { id: `word-${i}`, type: "text", maxlength: "40", autocomplete: "off", autocapitalize: "none" });
    input.value = previous[i] || "";
    return h("p", { class: "word-field" }, h("label", { for: `word-${i}`, text: t("Word {n}", { n: i + 1 }) }), input);
  });
  return h(
    "form",
    {
      class: "words-answer",
      onsubmit: (event) => {
        event.preventDefault();
        const given = inputs.map((p) => p.querySelector("input").value.trim()).filter(Boolean);
        if (given.length) send({ kind: "words", words: given });
      },
    },
    h("p", { class: "hint", text: plural("Up to {n} word.", "Up to {n} words.", def.max_words) }),
    inputs,
    h("button", { type: "submit", text: t("Send") }),
  );
}

// The widget for an activity that is open, or null when it asks for no answer.
export function answerWidget(def, { stored, send, drafts, aid }) {
  const onDraft = (text) => (drafts[aid] = text);
  switch (def.kind) {
    case "poll":
      if (def.multiple) return multiChoice(def, stored, send);
      // falls through: a single-choice poll is answered as a check-in is
    case "checkin":
      return choiceButtons(def.options, stored?.kind === "choice" ? stored.option : null, (option) => send({ kind: "choice", option }), t("Choose one"), def.lang);
    case "scale":
      return scale(def, stored, send);
    case "words":
      return words(def, stored, send);
    case "prompt":
      if (!def.open_text) return null;
      return textBox({
        id: "answer-text", label: t("Your answer"), max: def.max_chars, draft: drafts[aid] ?? (stored?.kind === "text" ? stored.text : ""),
        hint: t("Shared without your name; please don't name anyone else either. The facilitator reads answers before any reach the screen."),
        onDraft, button: t("Send"), onSend: (text) => send({ kind: "text", text }),
      });
    case "reflection":
      return textBox({
        id: "answer-text", label: t("Your note"), max: def.max_chars, draft: drafts[aid] ?? "",
        hint: def.share
          ? t("This stays on this phone unless you choose Share. Shared notes carry no name; please don't name anyone in them.")
          : t("This is only for you: it stays on this phone and is gone when you leave."),
        onDraft, button: def.share ? t("Share anonymously") : null,
        onSend: def.share ? (text) => send({ kind: "text", text }) : null,
      });
    default:
      return null;
  }
}

export function takesAnswers(def) {
  if (def.kind === "prompt") return !!def.open_text;
  if (def.kind === "reflection") return !!def.share;
  return ["poll", "scale", "words", "checkin"].includes(def.kind);
}

// The kinds whose answers are words people wrote: never counted, they go through the review
// queue (and reach the console only once answers close).
export const isWritten = (def) => def.kind === "prompt" || def.kind === "reflection";
export const takesWrittenAnswers = (def) => isWritten(def) && takesAnswers(def);

// Each kind's name in the screen's language, read when shown (so a switch of language shows);
// with another catalogue's t (the projector's second language), in that language.
export const kindNames = (t) => ({
  prompt: t("Prompt"), poll: t("Poll"), scale: t("Scale"), reflection: t("Reflection"),
  words: t("Word cloud"), checkin: t("Check-in"), grounding: t("Grounding"),
});
export const KIND_NAMES = new Proxy({}, { get: (_, kind) => kindNames(t)[kind] });

// A title that only says its kind's name (Quick check-in's "Check-in"): the kind above it
// would say it twice ("CHECK-IN / Check-in").
export const titleIsKind = (def) => !!def.title && def.title.trim().toLocaleLowerCase() === (KIND_NAMES[def.kind] ?? "").toLocaleLowerCase();

// What a timer's clock says beside its digits: why it stands still, or that its time is up (a
// clock at 0:00 with nothing said reads as stuck, and the console still offered Pause).
export function timerWord(timer, ms) {
  if (!timer.running) return timer.remaining_ms < timer.duration_ms ? t("paused") : t("not started");
  return ms <= 0 ? t("time is up") : "";
}

// A timer's clock on a phone or the projector: its digits, that word beside them (a grey clock
// alone reads as a fault from the back row), and `paused` while it stands still.
// Called five times a second: the element is touched only when what it shows changes (once a
// second), not relaid out and repainted each time, nor offered again to a screen reader.
export function showClock(el, timer, ms) {
  const word = timerWord(timer, ms);
  const digits = formatClock(ms);
  const shown = `${digits}|${word}|${timer.running}`;
  if (el.dataset.shown === shown) return;
  el.dataset.shown = shown;
  el.replaceChildren(digits, word ? h("span", { class: "timer-state", text: word }) : "");
  el.classList.toggle("paused", !timer.running);
}
