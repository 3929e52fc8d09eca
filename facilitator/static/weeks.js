// Progress across weeks with no server memory: save this session's summary to a file, load
// past summaries, and show a trend on the display. This session's revealed results join the
// past ones as the latest week (asked for again when a trend is shown, so it is up to date).
import { language, plural, t } from "/static/shared/i18n.js";
import { h, replace } from "/static/shared/dom.js";
import { trackNames } from "/static/shared/results.js";
import { KIND_NAMES } from "/static/shared/widgets.js";
import { filePicker, problemList, saveFile } from "./files.js";

// A point's fields left at null or [] are left out (the server fills them in again), so the
// largest trend command stays under the 16 KiB message limit (tests/test_trends.py).
const empty = (value) => value === null || (Array.isArray(value) && value.length === 0);
const compact = (trend) => ({ ...trend, points: trend.points.map((point) => Object.fromEntries(Object.entries(point).filter(([, value]) => !empty(value)))) });

export class WeeksPanel {
  constructor({ request, command, auth, k }) {
    this.request = request; // raw request over the socket (summary answers with data)
    this.command = command;
    this.auth = auth;
    this.k = k;
    this.trends = [];
    this.past = []; // the loaded files' summaries, kept in this page only
    this.errors = null;
    this.showing = null;
    this.el = h("section", { class: "card weeks", "aria-labelledby": "weeks-heading" });
    this.label = h("input", { id: "summary-title", type: "text", maxlength: "120", placeholder: t("e.g. Week 3") });
    this.status = h("p", { class: "hint", role: "status" });
    this.render();
  }

  // Says (here, and to the caller: the end dialog shows it too) whether the file was saved.
  async saveSummary() {
    try {
      const answer = await this.request({ type: "summary", title: this.label.value.trim() });
      saveFile(answer.filename, JSON.stringify(answer.summary, null, 2));
      this.status.textContent = t("Saved {file} to this device.", { file: answer.filename });
    } catch (error) {
      this.status.textContent = error.message || t("Could not make the summary.");
    }
    return this.status.textContent;
  }

  // The summary as a printable page (a new tab) or a CSV file: posted to the server, which
  // renders it and keeps nothing.
  async postSummary(action, target) {
    try {
      const answer = await this.request({ type: "summary", title: this.label.value.trim() });
      const field = h("textarea", { name: "summary" });
      field.value = JSON.stringify(answer.summary);
      // The page or spreadsheet comes in the console's language.
      const form = h("form", { method: "post", action: action + "?lang=" + language(), target, class: "visually-hidden" }, field);
      document.body.append(form);
      form.submit();
      form.remove();
    } catch (error) {
      this.status.textContent = error.message || t("Could not make the summary.");
    }
  }

  async load(texts, files = []) {
    const summaries = [];
    for (const [i, text] of texts.entries()) {
      try {
        summaries.push(JSON.parse(text));
      } catch {
        // summaries are JSON; a plan file is often YAML: named for what it is, as a JSON one is
        const plan = /^\s*(format:\s*hearth-plan|title:|items:)/m.test(text);
        const message = plan ? t("This is a session plan, not a summary: load it under “Session plan”.") : t("One of the files is not a summary (not JSON).");
        this.errors = [{ message, path: files[i]?.name }];
        this.render();
        return;
      }
    }
    // a wrong file leaves the summaries already loaded (they had to be picked again)
    const before = [this.past, this.trends];
    this.past = summaries;
    this.trends = await this.series();
    if (this.errors) [this.past, this.trends] = before;
    // "summaries[1].date" names the file the person chose instead: "week-3.json: date"
    const named = (path) => path?.replace(/^summaries\[(\d+)\]\.?/, (all, i) => files[i] ? `${files[i].name}${all.endsWith(".") ? ": " : ""}` : all);
    if (this.errors) this.errors = this.errors.map((e) => ({ ...e, path: named(e.path) }));
    this.render();
  }

  // This session so far, as a summary (revealed results only), or null if nothing is revealed
  // or it cannot be had (a co-facilitator's console).
  async current() {
    try {
      const answer = await this.request({ type: "summary", title: this.label.value.trim() || t("This session") });
      return answer.summary.entries.some((entry) => entry.results) ? answer.summary : null;
    } catch {
      return null;
    }
  }

  // The series the past files and this session allow, held to this room's k by the server.
  async series() {
    const now = await this.current();
    const response = await fetch(`/api/summaries/trends?k=${this.k()}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...this.auth() },
      body: JSON.stringify({ summaries: now ? [...this.past, now] : this.past }),
    });
    const body = await response.json().catch(() => ({ ok: false }));
    this.errors = body.ok ? null : body.errors || [{ message: body.message || t("Those files could not be read.") }];
    return body.ok ? body.trends : [];
  }

  // Show a series with this session's latest reveals in it.
  async show(trend, button) {
    const same = (other) => other.kind === trend.kind && other.text === trend.text && other.track === trend.track && JSON.stringify(other.labels) === JSON.stringify(trend.labels);
    const fresh = (await this.series()).filter(Boolean);
    this.trends = fresh.length ? fresh : this.trends;
    this.command({ type: "trend", trend: compact(fresh.find(same) ?? trend) }, button);
  }

  // `behind`: an activity is on the display, which shows the trend only once it is cleared.
  update(trend, behind = false) {
    const key = trend ? JSON.stringify(trend) : null;
    if (key === this.showing && behind === this.behind) return;
    this.showing = key;
    this.behind = behind;
    this.render();
  }

  render() {
    const parts = [
      h("h2", { id: "weeks-heading", text: t("Across weeks") }),
      h("p", { class: "hint", text: t("The server remembers nothing after the end. Save a summary (revealed results and released text only) to keep on this device.") }),
      h("p", { class: "field" }, h("label", { for: "summary-title", text: t("Label for the summary") }), this.label),
      h("div", { class: "row" },
        h("button", { type: "button", class: "secondary", text: t("Save summary file"), onclick: () => this.saveSummary() }),
        h("button", { type: "button", class: "secondary", text: t("Printable summary"), onclick: () => this.postSummary("/summary", "_blank") }),
        h("button", { type: "button", class: "secondary", text: t("Save as spreadsheet (CSV)"), onclick: () => this.postSummary("/summary.csv", "_self") }),
      ),
      this.status,
      filePicker({ id: "summary-files", label: t("Load past summaries"), accept: ".json,application/json", multiple: true, onFiles: (texts, files) => texts.length && this.load(texts, files) }),
    ];
    if (this.errors) parts.push(h("div", { class: "error", role: "alert" }, problemList(this.errors)));
    if (this.trends.length) {
      parts.push(h("ul", { class: "trend-list" }, this.trends.map((trend) => {
        // the question's title or its words, and its side when results were split: the same
        // name is read out on the button, so two series never sound alike
        const side = trend.track ? ` · ${trackNames(t)[trend.track] ?? trend.track}` : "";
        const title = (trend.title || trend.text.slice(0, 50)) + side;
        const name = `${title} (${KIND_NAMES[trend.kind]}, ` + plural("{n} session", "{n} sessions", trend.points.length) + ")";
        return h("li", {}, h("span", { text: name }), h("button", {
          type: "button", class: "secondary small", text: t("Show on display"), "aria-label": t("Show on display: {title}", { title }),
          onclick: (e) => this.show(trend, e.target),
        }));
      })));
    }
    if (this.showing && this.behind) parts.push(h("p", { class: "note trend-waiting", role: "status", text: t("Waiting for the display: it shows the trend once you press Clear on the live activity.") }));
    if (this.showing) parts.push(h("button", { type: "button", class: "quiet", text: t("Hide the trend"), onclick: (e) => this.command({ type: "trend", trend: null }, e.target) }));
    replace(this.el, parts);
  }
}
