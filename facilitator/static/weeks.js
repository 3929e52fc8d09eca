// Progress across weeks with no server memory: save this session's summary to a file, load
// past summaries, and show a trend on the display.
import { language, plural, t } from "/static/shared/i18n.js";
import { h, replace } from "/static/shared/dom.js";
import { KIND_NAMES } from "/static/shared/widgets.js";
import { filePicker, problemList, saveFile } from "./files.js";

export class WeeksPanel {
  constructor({ request, command, auth, k }) {
    this.request = request; // raw request over the socket (summary answers with data)
    this.command = command;
    this.auth = auth;
    this.k = k;
    this.trends = [];
    this.errors = null;
    this.showing = null;
    this.el = h("section", { class: "card weeks", "aria-labelledby": "weeks-heading" });
    this.label = h("input", { id: "summary-title", type: "text", maxlength: "120", placeholder: "e.g. Week 3" });
    this.status = h("p", { class: "hint", role: "status" });
    this.render();
  }

  async saveSummary() {
    try {
      const answer = await this.request({ type: "summary", title: this.label.value.trim() });
      saveFile(answer.filename, JSON.stringify(answer.summary, null, 2));
      this.status.textContent = t("Saved {file} to this device.", { file: answer.filename });
    } catch (error) {
      this.status.textContent = error.message || t("Could not make the summary.");
    }
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

  async load(texts) {
    const summaries = [];
    for (const text of texts) {
      try {
        summaries.push(JSON.parse(text));
      } catch {
        this.errors = [{ message: t("One of the files is not a summary (not JSON).") }];
        this.render();
        return;
      }
    }
    const response = await fetch(`/api/summaries/trends?k=${this.k()}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...this.auth() },
      body: JSON.stringify({ summaries }),
    });
    const body = await response.json().catch(() => ({ ok: false }));
    this.errors = body.ok ? null : body.errors || [{ message: body.message || t("Those files could not be read.") }];
    this.trends = body.ok ? body.trends : [];
    this.render();
  }

  update(trend) {
    const key = trend ? JSON.stringify(trend) : null;
    if (key === this.showing) return;
    this.showing = key;
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
      filePicker({ id: "summary-files", label: t("Load past summaries"), accept: ".json,application/json", multiple: true, onFiles: (texts) => texts.length && this.load(texts) }),
    ];
    if (this.errors) parts.push(h("div", { class: "error", role: "alert" }, problemList(this.errors)));
    if (this.trends.length) {
      parts.push(h("ul", { class: "trend-list" }, this.trends.map((trend, i) => {
        const name = `${trend.title || trend.text.slice(0, 50)} (${KIND_NAMES[trend.kind]}, ` + plural("{n} session", "{n} sessions", trend.points.length) + ")";
        return h("li", {}, h("span", { text: name }), h("button", {
          type: "button", class: "secondary small", text: t("Show on display"), "aria-label": t("Show on display: {title}", { title: trend.title || t("trend {n}", { n: i + 1 }) }),
          onclick: (e) => this.command({ type: "trend", trend }, e.target),
        }));
      })));
    }
    if (this.showing) parts.push(h("button", { type: "button", class: "quiet", text: t("Hide the trend"), onclick: (e) => this.command({ type: "trend", trend: null }, e.target) }));
    replace(this.el, parts);
  }
}
