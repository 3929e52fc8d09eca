// A series from past sessions' summaries (server/domain/summary.py Trend), as the projector shows
// it between activities: one entry per session saying what the room was shown that week, in that
// week's style, held again to the trend's k by the server (never more than that week showed):
// counts, an order ("Chosen most: …", or the ranking), words, where a scale leaned, bands, or a
// scale's average. A week that describes nothing reads the same way every time: a short hatched
// stub, "not shown", and why. `tw`: the projector's second language (twins.js).
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { leans, renderResult, trackNames } from "./results.js";
import { inside, line } from "./twins.js";

// Why a week describes nothing (TrendPoint.shown / withheld), in the words that week used.
function reason(trend, point) {
  const k = { k: trend.k };
  if (!point.shown) return (t) => t("Fewer than {k} answered, so results are not shown.", k);
  if (point.withheld === "k") return (t) => t("Shown that week for a smaller k; this trend holds every week to {k}.", k);
  if (point.style === "words") return (t) => t("These answers cannot be put in words without hinting at how few chose something.");
  if (point.style === "leaning") return (t) => t("No order can be shown at this size without hinting at how few chose something.");
  return (t) => t("Counts are shown only when every option has none or at least {k}; here some had fewer, so none is shown.", k);
}

// Whether a shown week describes the options (as the server's _described).
function described(trend, point) {
  if (!point.shown || point.withheld) return false;
  const style = point.style ?? "counts";
  if (style === "counts") return (point.counts ?? []).length > 0 && point.counts.every((c) => c !== null && c !== undefined) && (trend.kind !== "scale" || (point.mean ?? null) !== null);
  if (style === "words") return (point.words ?? []).some((w) => w);
  if (style === "leaning") return !!point.lean || ((point.order === "full" || point.order === "top") && (point.ranks ?? []).some((r) => r));
  return (point.bands ?? []).length > 0;
}

// The same placeholder for every week that shows nothing: a fixed stub, "not shown", the reason.
const stub = () => h("span", { class: "bar-fill bar-withheld trend-stub", "aria-hidden": "true" });
const notShown = (tw, trend, point) => [
  h("span", { class: "trend-said" }, inside(tw, (t) => t("not shown"))),
  h("span", { class: "trend-why" }, inside(tw, reason(trend, point))),
];

// "Week 1" above its date; the date never breaks.
function when(point, tag, cls) {
  return h(tag, { class: `${cls} trend-when` }, point.label ? [point.label, h("span", { class: "trend-date", text: point.date })] : h("span", { class: "trend-date", text: point.date }));
}

// A week's words are kept as styles.WORDS keys (server/domain/summary.py); results.js draws the
// phrases.
const PHRASES = { all: "all of us", most: "most of us", many: "many of us", some: "some of us", few: "a few of us, or none", none: "none of us" };

// A poll's or check-in's week as the result it was that week (results.js draws every style).
function asResult(trend, point) {
  const style = point.style ?? "counts";
  return {
    kind: trend.kind,
    style,
    k: trend.k,
    shown: true,
    answered: point.answered ?? null,
    cells: trend.labels.map((label, i) => ({
      label,
      count: style === "counts" ? point.counts[i] : null,
      word: PHRASES[point.words?.[i]] ?? null,
      rank: point.ranks?.[i] ?? null,
      withheld: style === "words" && !point.words?.[i],
    })),
    order: point.order ?? null,
    lean: null,
    bands: [],
    mean: null,
    hidden_words: false,
  };
}

function choiceWeek(trend, point, tw) {
  const body = described(trend, point) ? renderResult(asResult(trend, point), { twin: tw }) : h("p", { class: "trend-none" }, stub(), notShown(tw, trend, point));
  return h("li", { class: "trend-point" }, when(point, "h3", ""), body);
}

// A scale's week as one row: the label, a track the same length in every row, and what was said.
function scaleWeek(trend, point, tw) {
  const points = Math.max(1, trend.labels.length);
  const track = h("span", { class: "bar-track", "aria-hidden": "true" });
  let said;
  if (!described(trend, point)) {
    track.append(stub());
    said = notShown(tw, trend, point);
  } else if (point.lean) {
    // the part of the scale the room leaned to (styles.scale_thirds), marked on the track
    const edge = Math.max(1, Math.round(points / 3));
    const [from, to] = { low: [0, edge], middle: [edge, points - edge], high: [points - edge, points] }[point.lean];
    const part = h("span", { class: "bar-fill trend-part" });
    part.style.setProperty("--from", String(from / points));
    part.style.setProperty("--share", String((to - from) / points));
    track.append(part);
    said = inside(tw, (t) => leans(t, !!trend.track)[point.lean] ?? point.lean);
  } else if ((point.style ?? "counts") === "bands") {
    for (const [low, high] of point.bands) {
      const part = h("span", { class: "trend-band" });
      part.style.setProperty("--from", String((low - 1) / points));
      part.style.setProperty("--share", String((high - low + 1) / points));
      track.append(part);
    }
    said = point.bands.map(([low, high, count]) =>
      h("span", { class: "trend-band-said" }, `${low === high ? low : `${low}–${high}`}: `, inside(tw, (t, _, plural) => plural("{n} of us", "{n} of us", count))),
    );
  } else {
    const fill = h("span", { class: "bar-fill" });
    fill.style.setProperty("--share", String(point.mean / points));
    track.append(fill);
    said = inside(tw, (t) => t("average {mean}", { mean: point.mean }));
  }
  return h("li", { class: "bar trend-row" + (described(trend, point) ? "" : " is-withheld") }, when(point, "span", "bar-label"), track, h("span", { class: "bar-count" }, said));
}

export function renderTrend(trend, tw = null) {
  if (!trend) return null;
  const scale = trend.kind === "scale";
  const rows = trend.points.map((point) => (scale ? scaleWeek(trend, point, tw) : choiceWeek(trend, point, tw)));
  const track = (t) => (trend.track ? ` · ${trackNames(t)[trend.track] ?? trend.track}` : "");
  return h(
    "section",
    { class: "trend", "aria-label": t("Across sessions") },
    line(tw, "p", "kind", (t, _, plural) => plural("Across {n} session", "Across {n} sessions", trend.points.length) + track(t)),
    trend.title ? h("h1", { class: "title", text: trend.title }) : null,
    h("p", { class: "text", text: trend.text }),
    h("ul", { class: scale ? "bars trend-rows" : "trend-points" }, rows),
  );
}
