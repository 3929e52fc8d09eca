// Thresholded results as DOM, the same on every screen: bars for choices, a histogram for
// scales, sized words for a word cloud. A null count reads "fewer than k", never a number.
import { h } from "./dom.js";

export const TRACK_NAMES = {
  hurt: "Partners who were hurt",
  caused: "Partners who caused the hurt",
  unsaid: "Side not said",
};

function countText(count, k) {
  return count === null ? `fewer than ${k}` : String(count);
}

function bars(result) {
  const known = result.cells.map((c) => c.count ?? 0);
  const max = Math.max(1, ...known);
  return h(
    "ul",
    { class: "bars" },
    result.cells.map((cell) => {
      const bar = h("span", { class: "bar-fill" + (cell.count === null ? " bar-hidden" : "") });
      bar.style.setProperty("--share", String((cell.count ?? 0) / max));
      return h(
        "li",
        { class: "bar" },
        h("span", { class: "bar-label", text: cell.label }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, bar),
        h("span", { class: "bar-count", text: countText(cell.count, result.k) }),
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
      const column = h("span", { class: "column-fill" + (cell.count === null ? " bar-hidden" : "") });
      column.style.setProperty("--share", String((cell.count ?? 0) / max));
      return h(
        "li",
        { class: "column" },
        h("span", { class: "column-count", text: countText(cell.count, result.k) }),
        h("span", { class: "column-track", "aria-hidden": "true" }, column),
        h("span", { class: "column-label", text: cell.label }),
      );
    }),
  );
}

function cloud(result) {
  const max = Math.max(1, ...result.cells.map((c) => c.count ?? 0));
  return h(
    "ul",
    { class: "cloud" },
    result.cells.map((cell) =>
      h("li", {
        class: `word size-${Math.max(1, Math.round(((cell.count ?? 0) / max) * 4))}`,
        text: cell.label,
        title: `${cell.count} people`,
      }),
    ),
  );
}

export function renderResult(result, definition = {}) {
  if (!result.shown) {
    return h("p", { class: "withheld", text: `Fewer than ${result.k} answered, so results are not shown.` });
  }
  const parts = [];
  if (result.kind === "scale") {
    parts.push(histogram(result));
    const ends = [definition.low_label, definition.high_label].filter(Boolean);
    if (ends.length === 2) parts.push(h("p", { class: "scale-ends", text: `1 = ${ends[0]} · ${definition.points ?? ""} = ${ends[1]}` }));
    if (result.mean !== null && result.mean !== undefined) parts.push(h("p", { class: "mean", text: `Average ${result.mean}` }));
  } else if (result.kind === "words") {
    parts.push(result.cells.length ? cloud(result) : h("p", { class: "withheld", text: "No word was given often enough to show." }));
    if (result.hidden_words) parts.push(h("p", { class: "note", text: `Words given by fewer than ${result.k} people are not shown.` }));
  } else if (result.cells.length) {
    parts.push(bars(result));
  }
  if (result.answered !== null && result.answered !== undefined) {
    parts.push(h("p", { class: "answered", text: `${result.answered} answered` }));
  }
  return h("div", { class: "result" }, parts);
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

// A series from past sessions' summaries (server/summary.py Trend): one row per session, counts
// in the order of trend.labels. Scales show their average; polls and check-ins small bars.
export function renderTrend(trend) {
  if (!trend) return null;
  const asResult = (point) => ({
    kind: trend.kind,
    k: trend.k,
    shown: point.shown,
    answered: point.answered ?? null,
    cells: point.shown ? trend.labels.map((label, i) => ({ label, count: point.counts[i] ?? null })) : [],
    mean: point.mean ?? null,
    hidden_words: false,
  });
  const rows = trend.points.map((point) => {
    const when = point.label ? `${point.label} (${point.date})` : point.date;
    if (trend.kind === "scale") {
      const mean = point.shown ? point.mean ?? null : null;
      const fill = h("span", { class: "bar-fill" + (mean === null ? " bar-hidden" : "") });
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
