// Thresholded results as DOM, the same on every screen: bars for choices, a histogram for
// scales, sized words for a word cloud. A null count reads "fewer than k", never a number.
import { h } from "./dom.js";

export const TRACK_NAMES = {
  hurt: "Partners who were hurt",
  caused: "Partners who caused the hurt",
  unsaid: "Side not said",
};

// Every number, word and order here was computed by the server (server/domain/results.py, by the
// rules in docs/results.md); this file only draws it. A withheld option is a short hatched stub
// marked "not shown", never a tall bar and never beside an exact 0.
const WITHHELD = "not shown";

function stub(kind) {
  return h("span", { class: `${kind}-fill bar-withheld` });
}

function bars(result) {
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
        h("span", { class: "bar-label", text: cell.label }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, bar),
        h("span", { class: "bar-count", text: cell.withheld ? WITHHELD : String(cell.count) }),
      );
    }),
  );
}

function histogram(result) {
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
        h("span", { class: "column-count", text: cell.withheld ? WITHHELD : String(cell.count) }),
        h("span", { class: "column-track", "aria-hidden": "true" }, column),
        h("span", { class: "column-label", text: cell.label }),
      );
    }),
  );
}

function withheldNote(result) {
  return h("p", {
    class: "note",
    text: `Counts are shown only when every option has none or at least ${result.k}; here some had fewer, so none is shown.`,
  });
}

function counts(result) {
  const parts = [result.kind === "scale" ? histogram(result) : bars(result)];
  if (result.cells.some((c) => c.withheld)) parts.push(withheldNote(result));
  return parts;
}

function words(result) {
  if (result.cells.every((c) => c.withheld)) {
    return [h("p", { class: "withheld", text: "These answers cannot be put in words without hinting at how few chose something." })];
  }
  return [
    h(
      "ul",
      { class: "said" },
      result.cells.map((cell) => h("li", { class: "said-item" }, h("span", { class: "said-label", text: cell.label }), h("span", { class: "said-word", text: cell.word }))),
    ),
  ];
}

const LEAN_WORDS = { low: "low", middle: "in the middle", high: "high" };

function scaleLean(result, definition) {
  const points = result.cells.length;
  const edge = Math.max(1, Math.round(points / 3));
  const part = (v) => (v <= edge ? "low" : v > points - edge ? "high" : "middle");
  const ends = [definition.low_label, definition.high_label];
  const where = LEAN_WORDS[result.lean] ?? result.lean;
  return [
    h("p", { class: "lean", text: `The room leans ${where}.` }),
    h(
      "ol",
      { class: "lean-scale", "aria-hidden": "true" },
      result.cells.map((cell, i) => h("li", { class: "lean-point" + (part(i + 1) === result.lean ? " lean-here" : ""), text: cell.label })),
    ),
    ends[0] && ends[1] ? h("p", { class: "scale-ends", text: `1 = ${ends[0]} · ${points} = ${ends[1]}` }) : null,
  ];
}

function order(result) {
  if (result.order === "none") {
    return [h("p", { class: "withheld", text: "No order can be shown at this size without hinting at how few chose something." })];
  }
  const ranks = [...new Set(result.cells.map((c) => c.rank))].sort((a, b) => a - b);
  const named = (rank) => result.cells.filter((c) => c.rank === rank).map((c) => c.label);
  if (result.order === "top") {
    const top = named(1);
    return [
      h("p", { class: "lean", text: top.length > 1 ? `Chosen most, as often as each other: ${top.join(", ")}` : `Chosen most: ${top[0]}` }),
      h("p", { class: "note", text: `Chosen less: ${named(2).join(", ")}` }),
    ];
  }
  return [
    h(
      "ol",
      { class: "ranking" },
      ranks.map((rank) => {
        const names = named(rank);
        return h("li", { class: "rank" + (names.length > 1 ? " tie" : "") }, h("span", { class: "rank-names", text: names.join(" · ") }), names.length > 1 ? h("span", { class: "note", text: " (as often as each other)" }) : null);
      }),
    ),
    h("p", { class: "note", text: "From most to least chosen." }),
  ];
}

function bands(result) {
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
          h("span", { class: "band-count", text: `${band.count} of us` }),
        );
        li.style.setProperty("--span", String((band.high - band.low + 1) / points));
        return li;
      }),
    ),
    h("p", { class: "note", text: `Neighbouring values are joined until each part holds at least ${result.k}.` }),
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
        text: cell.label,
        title: cell.count === null ? `${result.k} or more of us` : `${cell.count} of us`,
      }),
    ),
  );
}

export function renderResult(result, definition = {}) {
  if (!result.shown) {
    return h("p", { class: "withheld", text: `Fewer than ${result.k} answered, so results are not shown.` });
  }
  let parts = [];
  if (result.kind === "words") {
    parts.push(result.cells.length ? cloud(result) : h("p", { class: "withheld", text: "No word was given often enough to show." }));
    if (result.hidden_words) parts.push(h("p", { class: "note", text: `Words given by fewer than ${result.k} people are not shown.` }));
  } else if (result.style === "words") {
    parts = words(result);
  } else if (result.style === "leaning") {
    parts = result.lean ? scaleLean(result, definition) : order(result);
  } else if (result.style === "bands") {
    parts = bands(result);
  } else {
    parts = counts(result);
    if (result.kind === "scale") {
      const ends = [definition.low_label, definition.high_label].filter(Boolean);
      if (ends.length === 2) parts.push(h("p", { class: "scale-ends", text: `1 = ${ends[0]} · ${definition.points ?? ""} = ${ends[1]}` }));
      if (result.mean !== null && result.mean !== undefined) parts.push(h("p", { class: "mean", text: `Average ${result.mean}` }));
    }
  }
  if (result.answered !== null && result.answered !== undefined) {
    parts.push(h("p", { class: "answered", text: `${result.answered} answered`, title: "Passes are not counted." }));
  }
  return h("div", { class: `result style-${result.style ?? "counts"}` }, parts);
}

export function renderResults(results, definition = {}) {
  if (!results) return null;
  if (results.overall) return renderResult(results.overall, definition);
  const tracks = results.by_track || {};
  return h(
    "div",
    { class: "by-track" },
    Object.entries(tracks).map(([track, result]) =>
      h("section", { class: "track-result" }, h("h3", { text: TRACK_NAMES[track] ?? track }), renderResult(result, definition)),
    ),
  );
}

export function renderTexts(texts) {
  if (!texts || !texts.length) return null;
  return h("ul", { class: "cards" }, texts.map((text) => h("li", { class: "card", text })));
}

// A series from past sessions' summaries (server/domain/summary.py Trend): one row per session, counts
// in the order of trend.labels. Scales show their average; polls and check-ins small bars.
export function renderTrend(trend) {
  if (!trend) return null;
  const asResult = (point) => ({
    kind: trend.kind,
    style: "counts",
    k: trend.k,
    shown: point.shown,
    answered: point.answered ?? null,
    cells: point.shown ? trend.labels.map((label, i) => ({ label, count: point.counts[i] ?? null, withheld: (point.counts[i] ?? null) === null })) : [],
    mean: point.mean ?? null,
    hidden_words: false,
  });
  const rows = trend.points.map((point) => {
    const when = point.label ? `${point.label} (${point.date})` : point.date;
    if (trend.kind === "scale") {
      const mean = point.shown ? point.mean ?? null : null;
      const fill = h("span", { class: "bar-fill" + (mean === null ? " bar-withheld" : "") });
      fill.style.setProperty("--share", String((mean ?? 0) / Math.max(1, trend.labels.length)));
      const said = mean !== null ? `average ${mean}` : point.shown ? "withheld" : `fewer than ${trend.k}`;
      return h(
        "li",
        { class: "bar" },
        h("span", { class: "bar-label", text: when }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        h("span", { class: "bar-count", text: said }),
      );
    }
    if (point.shown && point.style && point.style !== "counts") {
      return h("li", { class: "trend-point" }, h("h3", { text: when }), h("p", { class: "note", text: `Shown as ${point.style} that week: no counts were kept.` }));
    }
    return h("li", { class: "trend-point" }, h("h3", { text: when }), renderResult(asResult(point)));
  });
  return h(
    "section",
    { class: "trend", "aria-label": "Across sessions" },
    h("p", { class: "kind", text: `Across ${trend.points.length} sessions${trend.track ? ` · ${TRACK_NAMES[trend.track]}` : ""}` }),
    trend.title ? h("h1", { class: "title", text: trend.title }) : null,
    h("p", { class: "text", text: trend.text }),
    h("ul", { class: trend.kind === "scale" ? "bars" : "trend-points" }, rows),
  );
}
