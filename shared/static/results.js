// Thresholded results as DOM, the same on every screen: bars for choices, a histogram for
// scales, sized words for a word cloud. A null count reads "fewer than k", never a number.
import { h } from "./dom.js";
import { plural, t } from "./i18n.js";
import { inside, line } from "./twins.js";

export const trackNames = (t) => ({
  hurt: t("Partners who were hurt"),
  caused: t("Partners who caused the hurt"),
  unsaid: t("Side not said"),
});

// Every number, word and order here was computed by the server (server/domain/results.py, by the
// rules in docs/results.md); this file only draws it. A withheld option is a short hatched stub
// marked "not shown", never a tall bar and never beside an exact 0.
// On a projector with a second language, definition.twin is {lang, dir, t, plural} and, where
// the activity has its own wording in that language, its options, low_label and high_label:
// every line here then has its twin in it beneath (twins.js).
const withheld = (tw) => inside(tw, (t) => t("not shown"));

// A name someone wrote (an option, a scale's end, a word, a shared answer) is isolated from the
// words around it and takes its direction from its own letters: an English option on an Arabic
// screen keeps its quotes, commas and full stops where its writer put them, and an Arabic one on
// an English screen likewise, and neither reorders the sentence it is named in. A <bdi> inside a
// box keeps the box's own alignment (the page's start).
const own = (text, attrs = {}) => h("bdi", { ...attrs, text });
const joined = (names, between) => names.flatMap((name, i) => (i ? [between, own(name)] : [own(name)]));

// Names inside one of Hearth's sentences ("Chosen most: {option}", "Open {address}"): marked
// while the sentence is put together in each language, then each drawn as its own <bdi> (the
// sentence's text unchanged); `attrs` for them all (an address: dir="ltr"). Several names stand
// apart by " · ", as in a ranking, in every language: options hold commas of their own, so a
// comma between them would not tell where one ends and the next begins.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const NAMES_BETWEEN = " · ";
export const marked = (names) => names.map((name) => OPEN + name + CLOSE).join(NAMES_BETWEEN);
export function isolated(elements, attrs = {}) {
  for (const el of elements) {
    const parts = el.textContent.split(/\uE000([^\uE001]*)\uE001/);
    if (parts.length > 1) el.replaceChildren(...parts.map((part, i) => (i % 2 ? own(part, attrs) : part)).filter((part) => part !== ""));
  }
  return elements;
}

function stub(kind) {
  return h("span", { class: `${kind}-fill bar-withheld` });
}

function bars(result, tw) {
  const max = Math.max(1, ...result.cells.map((c) => c.count ?? 0));
  return h(
    "ul",
    { class: "bars" },
    result.cells.map((cell) => {
      const bar = cell.withheld ? stub("bar") : h("span", { class: "bar-fill" });
      if (!cell.withheld) bar.style.setProperty("--share", String(cell.count / max));
      return h(
        "li",
        { class: "bar" + (cell.withheld ? " is-withheld" : "") },
        h("span", { class: "bar-label" }, own(cell.label), cell.twin),
        h("span", { class: "bar-track", "aria-hidden": "true" }, bar),
        h("span", { class: "bar-count" }, cell.withheld ? withheld(tw) : String(cell.count)),
      );
    }),
  );
}

function histogram(result, tw) {
  const max = Math.max(1, ...result.cells.map((c) => c.count ?? 0));
  return h(
    "ol",
    { class: "histogram" },
    result.cells.map((cell) => {
      const column = cell.withheld ? stub("column") : h("span", { class: "column-fill" });
      if (!cell.withheld) column.style.setProperty("--share", String(cell.count / max));
      return h(
        "li",
        { class: "column" + (cell.withheld ? " is-withheld" : "") },
        h("span", { class: "column-count" }, cell.withheld ? withheld(tw) : String(cell.count)),
        h("span", { class: "column-track", "aria-hidden": "true" }, column),
        h("span", { class: "column-label", text: cell.label }),
      );
    }),
  );
}

function withheldNote(result, tw) {
  return line(tw, "p", "note", (t) => t("Counts are shown only when every option has none or at least {k}; here some had fewer, so none is shown.", { k: result.k }));
}

function counts(result, tw) {
  const parts = [result.kind === "scale" ? histogram(result, tw) : bars(result, tw)];
  if (result.cells.some((c) => c.withheld)) parts.push(...withheldNote(result, tw));
  return parts;
}

// The server's share words (server/domain/styles.py), in this screen's language.
const saidWords = (t) => ({
  "all of us": t("all of us"), "most of us": t("most of us"), "many of us": t("many of us"),
  "some of us": t("some of us"), "a few of us, or none": t("a few of us, or none"), "none of us": t("none of us"),
});

function words(result, tw) {
  if (result.cells.every((c) => c.withheld)) {
    return line(tw, "p", "withheld", (t) => t("These answers cannot be put in words without hinting at how few chose something."));
  }
  const mine = saidWords(t); // each language's share words once, not once a cell
  const theirs = tw?.t ? saidWords(tw.t) : null;
  const said = (cell) => inside(tw, (_, second) => (second ? theirs : mine)[cell.word] ?? cell.word);
  return [
    h(
      "ul",
      { class: "said" },
      result.cells.map((cell) => h("li", { class: "said-item" }, h("span", { class: "said-label" }, own(cell.label), cell.twin), h("span", { class: "said-word" }, said(cell)))),
    ),
  ];
}

// "1 = low label" over "10 = high label", and beneath them in the second language's wording if
// any (definition.twin: {lang, low_label, high_label}); the stage shows them before results too.
// Each end is a line of its own: on one line that wraps, a label's last words can land beside
// the other end's number ("… my = 10 · now" on an Arabic projector with English labels).
export function scaleEnds(definition, points) {
  const ends = (w) => (w?.low_label && w?.high_label ? [w.low_label, w.high_label] : null);
  const end = (value, label) => h("span", { class: "scale-end" }, `${value} = `, own(label));
  const drawn = ([low, high]) => [end(1, low), end(points, high)];
  const first = ends(definition);
  const other = ends(definition.twin);
  if (!first) return [];
  const same = other && other[0] === first[0] && other[1] === first[1];
  return [h("p", { class: "scale-ends" }, drawn(first)), other && !same ? h("p", { class: "scale-ends twin", lang: definition.twin.lang, dir: "auto" }, drawn(other)) : null];
}

// Under a side's name "the room" would say the whole room leans there: one side's result says so.
export const leans = (t, side = false) => (side
  ? { low: t("This side leans low."), middle: t("This side leans to the middle."), high: t("This side leans high.") }
  : { low: t("The room leans low."), middle: t("The room leans to the middle."), high: t("The room leans high.") });

function scaleLean(result, definition, side) {
  const tw = definition.twin;
  const points = result.cells.length;
  const edge = Math.max(1, Math.round(points / 3));
  const part = (v) => (v <= edge ? "low" : v > points - edge ? "high" : "middle");
  return [
    ...line(tw, "p", "lean", (t) => leans(t, side)[result.lean] ?? result.lean),
    h(
      "ol",
      { class: "lean-scale points-" + points, "aria-hidden": "true" }, // points-N: phone.css rows
      result.cells.map((cell, i) => h("li", { class: "lean-point" + (part(i + 1) === result.lean ? " lean-here" : ""), text: cell.label })),
    ),
    ...scaleEnds(definition, points),
  ];
}

function order(result, tw) {
  if (result.order === "none") {
    return line(tw, "p", "withheld", (t) => t("No order can be shown at this size without hinting at how few chose something."));
  }
  const ranks = [...new Set(result.cells.map((c) => c.rank))].sort((a, b) => a - b);
  // The options of a rank, in the screen's language or (second) the projector's second one.
  const named = (rank, second = false) => result.cells.filter((c) => c.rank === rank).map((c) => (second ? c.secondLabel ?? c.label : c.label));
  if (result.order === "top") {
    const top = (second) => named(1, second);
    return isolated([
      ...line(tw, "p", "lean", (t, second) => (top(second).length > 1 ? t("Chosen most, as often as each other: {options}", { options: marked(top(second)) }) : t("Chosen most: {option}", { option: marked(top(second)) }))),
      ...line(tw, "p", "note", (t, second) => t("Chosen less: {options}", { options: marked(named(2, second)) })),
    ]);
  }
  return [
    h(
      "ol",
      { class: "ranking" },
      ranks.map((rank) => {
        const names = named(rank);
        const second = named(rank, true);
        return h("li", { class: "rank" + (names.length > 1 ? " tie" : "") },
          h("span", { class: "rank-names" }, joined(names, NAMES_BETWEEN)),
          names.length > 1 ? line(tw, "span", "note", (t) => " " + t("(as often as each other)")) : null,
          tw && second.join(NAMES_BETWEEN) !== names.join(NAMES_BETWEEN) ? h("span", { class: "rank-names twin", lang: tw.lang, dir: tw.dir ?? "auto" }, joined(second, NAMES_BETWEEN)) : null);
      }),
    ),
    ...line(tw, "p", "note", (t) => t("From most to least chosen.")),
  ];
}

// The bands, then what each end of the scale means (as counts and leaning say it), so "1–4 ·
// 5 of us" tells which end is which.
function bands(result, definition) {
  const tw = definition.twin ?? null;
  const points = result.cells.length;
  return [
    h(
      "ol",
      { class: "bands" },
      result.bands.map((band) => {
        const li = h(
          "li",
          { class: "band" },
          h("span", { class: "band-range", text: band.low === band.high ? `${band.low}` : `${band.low}–${band.high}` }),
          h("span", { class: "band-count" }, inside(tw, (t, _, plural) => plural("{n} of us", "{n} of us", band.count))),
        );
        li.style.setProperty("--span", String((band.high - band.low + 1) / points));
        return li;
      }),
    ),
    ...scaleEnds(definition, definition.points ?? points),
    ...line(tw, "p", "note", (t) => t("Neighbouring values are joined until each part holds at least {k}.", { k: result.k })),
  ];
}

function cloud(result) {
  const max = Math.max(1, ...result.cells.map((c) => c.count ?? result.k));
  return h(
    "ul",
    { class: "cloud" },
    result.cells.map((cell) =>
      h("li", {
        class: `word size-${Math.max(1, Math.round(((cell.count ?? result.k) / max) * 4))}`,
        dir: "auto",
        text: cell.label,
        title: cell.count === null ? t("{k} or more of us", { k: result.k }) : plural("{n} of us", "{n} of us", cell.count),
      }),
    ),
  );
}

// Cells of a poll or check-in are in the order of its options (counted by position), so they
// take their labels from the options in this screen's language.
function inOwnWords(result, definition) {
  const options = definition.options;
  if (!Array.isArray(options) || result.kind === "scale" || result.kind === "words") return result;
  if (!result.cells || result.cells.length !== options.length) return result;
  // The projector's second language (definition.twin: {lang, options}) goes beneath each label.
  const twin = definition.twin?.options;
  const second = (i) => (twin?.[i] && twin[i] !== options[i] ? h("span", { class: "twin", lang: definition.twin.lang, dir: "auto", text: twin[i] }) : null);
  const secondLabel = (i) => twin?.[i] || options[i];
  return { ...result, cells: result.cells.map((cell, i) => ({ ...cell, label: options[i], twin: second(i), secondLabel: secondLabel(i) })) };
}

export function renderResult(given, definition = {}, side = false) {
  const result = inOwnWords(given, definition);
  const tw = definition.twin ?? null;
  if (!result.shown) {
    const lines = line(tw, "p", "withheld", (t) => t("Fewer than {k} answered, so results are not shown.", { k: result.k }));
    return lines.length === 1 ? lines[0] : h("div", { class: "result" }, lines);
  }
  let parts = [];
  if (result.kind === "words") {
    parts.push(...(result.cells.length ? [cloud(result)] : line(tw, "p", "withheld", (t) => t("No word was given often enough to show."))));
    if (result.hidden_words) parts.push(...line(tw, "p", "note", (t) => t("Words given by fewer than {k} people are not shown.", { k: result.k })));
  } else if (result.style === "words") {
    parts = words(result, tw);
  } else if (result.style === "leaning") {
    parts = result.lean ? scaleLean(result, definition, side) : order(result, tw);
  } else if (result.style === "bands") {
    parts = bands(result, definition);
  } else {
    parts = counts(result, tw);
    if (result.kind === "scale") {
      parts.push(...scaleEnds(definition, definition.points ?? result.cells.length));
      if (result.mean !== null && result.mean !== undefined) parts.push(...line(tw, "p", "mean", (t) => t("Average {mean}", { mean: result.mean })));
    }
  }
  if (result.answered !== null && result.answered !== undefined) {
    const answered = line(tw, "p", "answered", (t, _, plural) => plural("{n} person answered", "{n} people answered", result.answered));
    answered[0].title = t("Passes are not counted.");
    parts.push(...answered);
  }
  return h("div", { class: `result style-${result.style ?? "counts"}` }, parts);
}

export function renderResults(results, definition = {}) {
  if (!results) return null;
  if (results.overall) return renderResult(results.overall, definition);
  const tracks = results.by_track || {};
  const named = (track) => line(definition.twin ?? null, "h3", "track-name", (t) => trackNames(t)[track] ?? track);
  return h(
    "div",
    { class: "by-track" },
    Object.entries(tracks).map(([track, result]) => h("section", { class: "track-result" }, named(track), renderResult(result, definition, true))),
  );
}

export function renderTexts(texts) {
  if (!texts || !texts.length) return null;
  return h("ul", { class: "cards" }, texts.map((text) => h("li", { class: "card", dir: "auto", text })));
}
