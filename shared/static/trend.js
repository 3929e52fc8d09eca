// A series from past sessions' summaries (server/domain/summary.py Trend), as the projector shows
// it between activities: one row per session, counts in the order of trend.labels. Scales show
// their average; polls and check-ins small bars. `tw`: the projector's second language (twins.js).
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { renderResult, trackNames } from "./results.js";
import { inside, line } from "./twins.js";

export function renderTrend(trend, tw = null) {
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
      const said = (t) => (mean !== null ? t("average {mean}", { mean }) : point.shown ? t("not shown") : t("fewer than {k}", { k: trend.k }));
      return h(
        "li",
        { class: "bar" },
        h("span", { class: "bar-label", text: when }),
        h("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        h("span", { class: "bar-count" }, inside(tw, said)),
      );
    }
    if (point.shown && point.style && point.style !== "counts") {
      return h("li", { class: "trend-point" }, h("h3", { text: when }), line(tw, "p", "note", (t) => t("Shown in another style that week: no counts were kept.")));
    }
    return h("li", { class: "trend-point" }, h("h3", { text: when }), renderResult(asResult(point), { twin: tw }));
  });
  const track = (t) => (trend.track ? ` · ${trackNames(t)[trend.track] ?? trend.track}` : "");
  return h(
    "section",
    { class: "trend", "aria-label": t("Across sessions") },
    line(tw, "p", "kind", (t, _, plural) => plural("Across {n} session", "Across {n} sessions", trend.points.length) + track(t)),
    trend.title ? h("h1", { class: "title", text: trend.title }) : null,
    h("p", { class: "text", text: trend.text }),
    h("ul", { class: trend.kind === "scale" ? "bars" : "trend-points" }, rows),
  );
}
