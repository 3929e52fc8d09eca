// The console's "new activity" form: one form, fields shown per kind, producing a definition
// that server/domain/activities.py accepts.
import { t } from "/static/shared/i18n.js";
import { h } from "/static/shared/dom.js";

const kinds = () => [
  ["poll", t("Poll")],
  ["scale", t("Scale")],
  ["prompt", t("Prompt")],
  ["reflection", t("Timed reflection")],
  ["words", t("Word cloud")],
  ["checkin", t("Check-in")],
  ["grounding", t("Grounding (breathing)")],
];
const checkinOptions = () => [t("Steady"), t("Tender"), t("Heavy"), t("Overwhelmed")].join("\n"); // in the console's language
// How results are drawn (docs/results.md). "bands" only for scales.
const styles = () => [
  ["auto", t("Automatic: what says most at this size")],
  ["leaning", t("Leaning: most chosen first, no numbers")],
  ["words", t("Words: “some of us”, “most of us”")],
  ["counts", t("Counts: exact, only when all are 0 or at least k")],
  ["bands", t("Bands: neighbouring values joined (scales)")],
];

// The limits server/domain/activities.py sets, checked here so a step that the room would
// refuse is never added to a plan (a saved plan with one would not load back).
const MOST_OPTIONS = { poll: 12, checkin: 6 };
const LABEL_CHARS = 120;
const SECONDS = { reflection: [10, 3600], grounding: [20, 1200] };
const POINTS = [2, 10];
const WORDS = [1, 5];

const within = (value, [low, high]) => Number.isInteger(value) && value >= low && value <= high;

// What is wrong with a definition, in words for the facilitator, or null.
function problem(def) {
  if (!def.text) return t("Write the question or text first.");
  const most = MOST_OPTIONS[def.kind];
  if (most && (def.options.length < 2 || def.options.length > most)) return t("Give between 2 and {n} options, one per line.", { n: most });
  if (most && def.options.some((o) => o.length > LABEL_CHARS)) return t("An option can be at most {n} characters.", { n: LABEL_CHARS });
  if (def.kind === "scale" && !within(def.points, POINTS)) return t("A scale has between {low} and {high} points.", { low: POINTS[0], high: POINTS[1] });
  const seconds = SECONDS[def.kind];
  if (seconds && !within(def.seconds, seconds)) return t("Give a time between {low} and {high} seconds.", { low: seconds[0], high: seconds[1] });
  if (def.kind === "words" && !within(def.max_words, WORDS)) return t("Each person can give between {low} and {high} words.", { low: WORDS[0], high: WORDS[1] });
  return null;
}

function field(id, label, control, kinds = null) {
  const wrap = h("p", { class: "field", "data-kinds": kinds ? kinds.join(" ") : "all" }, h("label", { for: id, text: label }), control);
  return wrap;
}

function check(id, label, kinds) {
  return h("p", { class: "field check-field", "data-kinds": kinds.join(" ") }, h("input", { id, type: "checkbox" }), h("label", { for: id, text: label }));
}

// Fields the form does not show (notes for the facilitator, theme, breathing pattern) survive
// an edit when the kind stays the same, and so does the language its words are in. Its words in
// other languages and each side's do not: they would no longer say what was written here.
function keepHidden(def, base) {
  const kept = { facilitator_notes: base.facilitator_notes, theme: base.theme, lang: base.lang };
  if (def.kind === base.kind && def.kind === "grounding") {
    Object.assign(kept, { inhale: base.inhale, hold: base.hold, exhale: base.exhale });
  }
  for (const [key, value] of Object.entries(kept)) if (value !== undefined && value !== "") def[key] = value;
  return def;
}

export function activityForm(onOpen, onAdd) {
  const kind = h("select", { id: "new-kind" }, kinds().map(([value, label]) => h("option", { value, text: label })));
  const title = h("input", { id: "new-title", type: "text", maxlength: "120" });
  const text = h("textarea", { id: "new-text", rows: "3", maxlength: "2000", required: true });
  const options = h("textarea", { id: "new-options", rows: "4", "aria-describedby": "new-options-hint" });
  const optionsHint = h("span", { id: "new-options-hint", class: "hint" });
  const points = h("input", { id: "new-points", type: "number", min: "2", max: "10", value: "5" });
  const low = h("input", { id: "new-low", type: "text", maxlength: "60" });
  const high = h("input", { id: "new-high", type: "text", maxlength: "60" });
  const seconds = h("input", { id: "new-seconds", type: "number", min: "10", max: "3600", value: "180" });
  const maxWords = h("input", { id: "new-max-words", type: "number", min: "1", max: "5", value: "3" });
  const style = h("select", { id: "new-style" }, styles().map(([value, label]) => h("option", { value, text: label })));
  const note = h("input", { id: "new-note", type: "text", maxlength: "300", "aria-describedby": "new-note-hint" });
  const error = h("p", { class: "error", role: "alert" });
  const heading = h("h2", { id: "new-heading", text: t("New activity") });
  const othersDropped = h("p", { class: "note", id: "edit-languages", hidden: true, text: t("This step also has its own words in other languages or for each side. Once you save it, every phone shows the words here instead.") });
  let editing = null; // { index, base, onSave } while a plan step is being edited here
  const saveStep = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => {
    const def = valid();
    if (!def || !editing) return;
    editing.onSave(keepHidden(def, editing.base));
    stopEditing();
    clear();
  } });
  const cancelEdit = h("button", { type: "button", class: "quiet", hidden: true, text: t("Cancel editing"), onclick: () => { stopEditing(); clear(); } });
  // A double click's second click (detail 2) would find the form just cleared, and say so in red.
  // Hidden while a step is edited: beside "Save step N" it would add the step a second time.
  const addToPlan = onAdd ? h("button", { type: "button", class: "secondary", text: t("Add to plan"), onclick: (e) => { const def = e.detail < 2 && valid(); if (def) { onAdd(def); clear(); } } }) : null;

  const form = h(
    "form",
    // novalidate: the form says what is wrong itself (problem()), in the console's language;
    // the browser's own bubbles speak the browser's and would stop it from being said
    { class: "activity-form", "aria-labelledby": "new-heading", novalidate: true },
    heading,
    othersDropped,
    field("new-kind", t("Kind"), kind),
    field("new-title", t("Title (optional)"), title),
    field("new-text", t("Question or text"), text),
    h(
      "div",
      { class: "field", "data-kinds": "poll checkin" },
      h("label", { for: "new-options", text: t("Options, one per line") }),
      options,
      optionsHint,
    ),
    check("new-multiple", t("People may choose more than one"), ["poll"]),
    field("new-points", t("Points on the scale"), points, ["scale"]),
    field("new-low", t("Label for 1"), low, ["scale"]),
    field("new-high", t("Label for the top"), high, ["scale"]),
    field("new-seconds", t("Duration (seconds)"), seconds, ["reflection", "grounding"]),
    check("new-share", t("Offer to share the note anonymously"), ["reflection"]),
    check("new-open-text", t("Collect anonymous written answers"), ["prompt"]),
    field("new-max-words", t("Words per person"), maxWords, ["words"]),
    field("new-style", t("How results are shown"), style, ["poll", "checkin", "scale"]),
    h(
      "div",
      { class: "field", "data-kinds": "all" },
      h("label", { for: "new-note", text: t("Content note (optional)") }),
      note,
      h("span", { id: "new-note-hint", class: "hint", text: t("Shown on phones first, with “skip this one”.") }),
    ),
    error,
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", text: t("Open on phones") }),
      addToPlan,
      saveStep,
      cancelEdit,
    ),
  );

  function showFields() {
    for (const el of form.querySelectorAll("[data-kinds]")) {
      const kinds = el.dataset.kinds;
      el.hidden = kinds !== "all" && !kinds.split(" ").includes(kind.value);
    }
    // The check-in's own feelings fill in for a check-in, and leave with it: a poll opened after
    // switching away would otherwise ask about them.
    if (kind.value === "checkin" && !options.value.trim()) options.value = checkinOptions();
    if (kind.value !== "checkin" && options.value === checkinOptions()) options.value = "";
    const [low, high] = SECONDS[kind.value] ?? SECONDS.reflection;
    Object.assign(seconds, { min: String(low), max: String(high) });
    optionsHint.textContent = t("Between 2 and {n} options.", { n: MOST_OPTIONS[kind.value] ?? MOST_OPTIONS.poll });
    const bands = style.querySelector('option[value="bands"]');
    bands.hidden = bands.disabled = kind.value !== "scale";
    if (bands.disabled && style.value === "bands") style.value = "auto";
    if (kind.value === "grounding" && seconds.value === "180") seconds.value = "120";
    if (kind.value === "grounding" && !text.value.trim()) text.value = t("Breathe with the circle. Nothing to answer.");
  }
  kind.addEventListener("change", showFields);
  showFields();

  function definition() {
    const def = { kind: kind.value, title: title.value.trim(), text: text.value.trim() };
    if (note.value.trim()) def.content_note = note.value.trim();
    const lines = options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (["poll", "checkin", "scale"].includes(kind.value) && style.value !== "auto") def.result_style = style.value;
    switch (kind.value) {
      case "poll":
        def.options = lines;
        def.multiple = form.querySelector("#new-multiple").checked;
        break;
      case "checkin":
        def.options = lines;
        break;
      case "scale":
        def.points = Number(points.value);
        def.low_label = low.value.trim();
        def.high_label = high.value.trim();
        break;
      case "reflection":
        def.seconds = Number(seconds.value);
        def.share = form.querySelector("#new-share").checked;
        break;
      case "grounding":
        def.seconds = Number(seconds.value);
        break;
      case "prompt":
        def.open_text = form.querySelector("#new-open-text").checked;
        break;
      case "words":
        def.max_words = Number(maxWords.value);
        break;
    }
    return def;
  }

  function valid() {
    const def = definition();
    const wrong = problem(def);
    error.textContent = wrong ?? "";
    if (!wrong) return def;
    const at = !def.text ? text : MOST_OPTIONS[def.kind] ? options : { scale: points, words: maxWords }[def.kind] ?? seconds;
    at.focus();
    return null;
  }

  // After a step is opened or added, the next one starts from a clean form: a title, a content
  // note or options must not ride along to it by accident (a plan read "Noticing" at every step).
  function clear() {
    for (const el of [title, text, note, options, low, high]) el.value = "";
    points.value = "5";
    seconds.value = "180";
    maxWords.value = "3";
    style.value = "auto";
    for (const id of ["#new-multiple", "#new-share", "#new-open-text"]) form.querySelector(id).checked = false;
    showFields();
  }

  function stopEditing() {
    editing = null;
    saveStep.hidden = cancelEdit.hidden = othersDropped.hidden = true;
    if (addToPlan) addToPlan.hidden = false;
    heading.textContent = t("New activity");
  }

  // Load a plan step into the form; "Save step N" hands the edited definition back.
  form.load = (def, index, onSave) => {
    kind.value = def.kind;
    title.value = def.title || "";
    text.value = def.text || "";
    note.value = def.content_note || "";
    options.value = (def.options || []).join("\n");
    points.value = String(def.points ?? 5);
    low.value = def.low_label || "";
    high.value = def.high_label || "";
    seconds.value = String(def.seconds ?? 180);
    maxWords.value = String(def.max_words ?? 3);
    style.value = def.result_style || "auto";
    form.querySelector("#new-multiple").checked = !!def.multiple;
    form.querySelector("#new-share").checked = !!def.share;
    form.querySelector("#new-open-text").checked = !!def.open_text;
    showFields();
    editing = { index, base: def, onSave };
    othersDropped.hidden = !Object.keys({ ...def.translations, ...def.sides }).length;
    heading.textContent = t("Edit step {n}", { n: index + 1 });
    saveStep.textContent = t("Save step {n}", { n: index + 1 });
    saveStep.hidden = cancelEdit.hidden = false;
    if (addToPlan) addToPlan.hidden = true;
    form.scrollIntoView({ block: "start" });
    title.focus();
  };

  // Enter in a field submits the form, whose first button is "Open on phones": while a plan step
  // is being edited, that would put the half-edited step on every phone. Enter saves it instead.
  form.addEventListener("keydown", (event) => {
    if (!editing || event.key !== "Enter" || event.isComposing || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    saveStep.click();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const def = valid();
    if (!def) return;
    try {
      if (await onOpen(def)) clear();
    } catch (failure) {
      error.textContent = failure.message || t("Could not open that activity.");
    }
  });
  return form;
}
