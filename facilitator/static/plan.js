// The session plan: a run-sheet loaded from the library or a file, edited here, stepped
// through with next/previous/jump, and saved back to a file. The room keeps a copy (facilitator
// consoles only) so a console that comes back finds its place.
import { h, replace } from "/static/shared/dom.js";
import { language, plural, t } from "/static/shared/i18n.js";
import { KIND_NAMES } from "/static/shared/widgets.js";
import { connectionFailed, showError, state, undoLine } from "./console-state.js";
import { filePicker, problemList } from "./files.js";
import { redrawKeepingFocus } from "./focus.js";
import { Follower } from "./follow.js";
import { planNotes, shownActivity, shownPlan, stepName, stepTitle } from "./plan-words.js";
import { planCard, planFiles } from "./plan-files.js";

const KEY = "hearth.plan";

// The run-sheet follows the plan: the current step's notes stay in view first, then Open next,
// then as much of the current step as fits (also when the bar above takes another row).
export function followRunSheet(el) {
  return new Follower(() => [".facilitator-notes", ".plan-next", ".step.current"].map((s) => el.querySelector(s)));
}

export class PlanPanel {
  constructor({ open, auth, edit, changed = () => {}, useCard = () => {} }) {
    this.open = open; // (definition) => Promise
    this.changed = changed; // ({plan, index}) => void: tell the room
    this.useCard = useCard; // ({text, lang, translations}) => void: a plan's support card
    this.edit = edit; // (definition, index, onSave) => void: load a step into the form
    this.auth = auth; // () => headers for /api/plans/check
    this.el = h("section", { class: "card plan", "aria-labelledby": "plan-heading" });
    this.library = h("div", { class: "library" });
    this.libraryOpen = false;
    const kept = JSON.parse(sessionStorage.getItem(KEY) || "null");
    this.plan = kept?.plan ?? null;
    // The plan stays for the next room (another group, the same plan); where it had got to
    // does not: a new room starts before its first step, not at the last group's sixth.
    this.index = kept && kept.code === state.room?.code ? kept.index : -1;
    this.errors = null;
    this.follower = followRunSheet(this.el);
    this.render();
  }

  // Every change but a removal ends the chance to undo the last removal: the plan kept for it
  // would undo that change too.
  keep(undo = null) {
    this.undo = undo;
    sessionStorage.setItem(KEY, JSON.stringify({ plan: this.plan, index: this.index, code: state.room?.code }));
    this.changed({ plan: this.plan, index: this.index });
  }

  // What became of the room's copy: null when it has it, else the error (the plan still runs).
  kept(error) {
    const problem = error ? error.message || t("The server did not answer.") : null;
    if (problem === this.keptProblem) return;
    this.keptProblem = problem;
    this.render();
  }

  // The room's copy, for a console that came back without its own.
  restore({ plan, index }) {
    this.undo = null;
    this.plan = plan;
    this.index = index;
    sessionStorage.setItem(KEY, JSON.stringify({ plan, index, code: state.room?.code }));
    this.render();
  }

  // A plan taken in place of one already here (edited, perhaps, and not saved) can be put back.
  use(plan, missing = []) {
    const taken = { format: "hearth-plan", version: 1, kind: "session", ...plan, items: [...plan.items] };
    delete taken.id;
    const card = planCard(taken);
    if (card) this.useCard(card);
    // missing: translations the plan check found missing (phones fall back)
    const take = () => Object.assign(this, { missing, plan: taken, index: -1, errors: null, libraryOpen: false });
    const before = this.plan && shownPlan(this.plan).title;
    if (before) return this.undoable(() => { take(); return t("Replaced the plan: {title}.", { title: before }); });
    take();
    this.keep();
    this.render();
  }

  add(activity, minutes = null) {
    if (!this.plan) this.plan = { format: "hearth-plan", version: 1, kind: "session", title: t("My session"), items: [] };
    this.plan.items.push(minutes ? { activity, minutes } : { activity });
    this.keep();
    this.render();
  }

  async step(index, origin = null) {
    const item = this.plan.items[index];
    if (!item) return;
    try {
      if (!(await this.open(item.activity))) return; // stayed with what is live: no step taken
    } catch (error) {
      showError(origin, error.message || t("Could not open that step."), { connection: connectionFailed(error) });
      return;
    }
    this.index = index;
    this.keep();
    this.render();
    // what was opened is where the work goes on: its heading (read out), a Tab from Close answers
    if (origin) document.querySelector("#live-heading")?.focus();
  }

  move(index, delta) {
    const items = this.plan.items;
    const to = index + delta;
    if (to < 0 || to >= items.length) return;
    [items[index], items[to]] = [items[to], items[index]];
    if (this.index === index) this.index = to;
    else if (this.index === to) this.index = index;
    this.keep();
    this.render();
    // the focus goes with the step moved, so moving it three places is three presses
    const moved = this.el.querySelectorAll(".steps > .step")[to];
    (moved?.querySelector(`[data-move="${delta}"]:not([disabled])`) ?? moved?.querySelector("[data-move]:not([disabled])"))?.focus();
  }

  replace(index, activity) {
    this.plan.items[index] = { ...this.plan.items[index], activity };
    this.keep();
    this.render();
  }

  // A step removed can be put back for a while (Undo takes the focus the removed ✕ had).
  // A change that drops part of the plan, with Undo for a while: `change` makes it (on a copy of
  // the plan's items) and says what went; `refocus` puts the focus back after an undo.
  undoable(change, refocus = () => {}) {
    const undo = { plan: this.plan, index: this.index };
    this.plan = { ...this.plan, items: [...this.plan.items] };
    const text = change();
    undo.line = undoLine(text, () => {
      Object.assign(this, { plan: undo.plan, index: undo.index });
      this.keep();
      this.render();
      refocus();
    }, () => { if (this.undo === undo) this.undo = null; });
    this.keep(undo); // any later change ends it: the plan kept here would undo that change too
    this.render();
    undo.line.querySelector("button").focus();
  }

  // Closing throws away whatever was built or changed here since the file was saved.
  close() {
    const title = shownPlan(this.plan).title;
    this.undoable(() => {
      Object.assign(this, { plan: null, index: -1 });
      return t("Closed the plan: {title}.", { title });
    });
  }

  remove(index) {
    this.undoable(() => {
      const [gone] = this.plan.items.splice(index, 1);
      if (this.index >= index) this.index -= 1;
      if (!this.plan.items.length) this.plan = null;
      // "…tonight?." when the name ends a sentence of its own
      return t("Removed step {n}: {name}.", { n: index + 1, name: stepTitle(gone) }).replace(/([.?!…؟])\.$/u, "$1");
    }, () => this.el.querySelectorAll(".steps > .step")[index]?.querySelector("[data-remove]")?.focus());
  }

  async check(text) {
    const response = await fetch("/api/plans/check", {
      method: "POST",
      headers: { "Content-Type": "text/plain; charset=utf-8", ...this.auth() },
      body: text,
    });
    const body = await response.json().catch(() => ({ ok: false, errors: [{ message: t("The server did not answer.") }] }));
    if (body.ok) this.use(body.plan, body.missing || []);
    else {
      this.errors = body.errors || [{ message: body.message || t("That file could not be read.") }];
      this.render();
    }
  }

  async browse(theme = "", query = "") {
    const params = new URLSearchParams();
    if (theme) params.set("theme", theme);
    if (query) params.set("q", query);
    params.set("lang", language()); // plans come in this console's language first, where written in it
    const response = await fetch(`/api/library?${params}`);
    const data = await response.json();
    this.renderLibrary(data, theme, query);
  }

  renderLibrary(data, theme, query) {
    const themeSelect = h("select", { id: "library-theme" }, h("option", { value: "", text: t("All themes") }), data.themes.map((theme) => h("option", { value: theme.id, text: theme.label })));
    themeSelect.value = theme;
    const search = h("input", { id: "library-search", type: "search", value: query });
    const form = h(
      "form",
      { class: "row library-filter", role: "search", onsubmit: (e) => { e.preventDefault(); this.browse(themeSelect.value, search.value.trim()); } },
      h("label", { for: "library-theme", text: t("Theme") }), themeSelect,
      h("label", { for: "library-search", text: t("Search") }), search,
      h("button", { type: "submit", class: "secondary", text: t("Find") }),
    );
    themeSelect.addEventListener("change", () => this.browse(themeSelect.value, search.value.trim()));
    replace(
      this.library,
      h("h3", { text: t("Library") }),
      form,
      h("h4", { text: t("Session plans ({n})", { n: data.plans.length }) }),
      h("ul", { class: "library-list" }, data.plans.map((plan) =>
        h("li", {},
          h("p", { class: "library-title", text: shownPlan(plan).title + " · " + plural("{n} step", "{n} steps", plan.items.length) }),
          h("p", { class: "hint", text: shownPlan(plan).summary }),
          h("button", { type: "button", class: "secondary", text: t("Use this plan"), "aria-label": t("Use this plan: {title}", { title: shownPlan(plan).title }), onclick: () => this.use(plan) }),
        ))),
      h("h4", { text: t("Activities ({n})", { n: data.activities.length }) }),
      h("ul", { class: "library-list" }, data.activities.slice(0, 40).map((entry) => {
        const shown = shownActivity(entry.activity);
        return h("li", {},
          h("p", { class: "library-title", text: `${KIND_NAMES[shown.kind]}: ${shown.title || shown.text.slice(0, 60)}` }),
          h("p", { class: "hint", text: shown.text.slice(0, 160) }),
          h("div", { class: "row" },
            h("button", { type: "button", class: "secondary", text: t("Open now"), "aria-label": t("Open now: {title}", { title: shown.title || entry.id }), onclick: (e) => this.open(entry.activity).catch((error) => showError(e.target, error.message, { connection: connectionFailed(error) })) }),
            h("button", { type: "button", class: "quiet", text: t("Add to plan"), "aria-label": t("Add to plan: {title}", { title: shown.title || entry.id }), onclick: () => this.add(entry.activity, entry.minutes) }),
          ));
      })),
    );
  }

  render() {
    const picker = filePicker({ id: "plan-file", label: t("Load a plan file (JSON or YAML)"), accept: ".json,.yaml,.yml,application/json,text/yaml", onFiles: ([text]) => text !== undefined && this.check(text) });
    const browse = h("button", {
      type: "button", class: "secondary", "aria-expanded": String(this.libraryOpen), text: t("Browse the library"),
      onclick: () => {
        this.libraryOpen = !this.libraryOpen;
        this.render();
        // it opens under the steps: brought into view, or the run-sheet's following of the
        // current step left it out of sight and the press seemed to do nothing
        if (this.libraryOpen) this.browse().then(() => this.library.scrollIntoView({ block: "start", behavior: "instant" }));
      },
    });
    const parts = [h("h2", { id: "plan-heading", text: this.plan ? t("Plan: {title}", { title: shownPlan(this.plan).title }) : t("Session plan") })];
    if (this.errors) parts.push(h("div", { class: "error", role: "alert" }, h("p", { text: t("That plan file has problems:") }), problemList(this.errors)));
    if (this.keptProblem && this.plan) {
      parts.push(h("div", { class: "error kept", role: "alert" },
        h("p", { text: this.keptProblem }),
        h("p", { text: t("The plan still runs from this console, but the room does not have it: another console will not find it.") })));
    }
    if (this.missing?.length) {
      parts.push(h("div", { class: "note missing", role: "status" },
        h("p", { text: t("Some words are not yet translated; phones in those languages show the plan's first language there:") }),
        problemList(this.missing)));
    }
    if (!this.plan) {
      parts.push(h("p", { class: "hint", text: t("Step through a prepared run-sheet, or run activities one at a time below.") }), this.undo?.line);
    } else {
      const plan = this.plan;
      parts.push(...planNotes(plan, this.index));
      const next = plan.items[this.index + 1];
      parts.push(h("div", { class: "row plan-next" },
        this.index > 0 ? h("button", { type: "button", class: "secondary", text: t("Previous step"), onclick: (e) => this.step(this.index - 1, e.target) }) : null,
        next ? h("button", { type: "button", "data-key": "n", text: t("Open next: {title}", { title: shownActivity(next.activity).title || KIND_NAMES[next.activity.kind] }), onclick: (e) => this.step(this.index + 1, e.target) }) : h("p", { class: "hint", text: t("That was the last step.") }),
      ));
      parts.push(h("ol", { class: "steps" }, plan.items.map((item, i) => {
        const name = stepTitle(item);
        return h("li", { class: i === this.index ? "step current" : "step", "aria-current": i === this.index ? "step" : null },
          stepName(item),
          h("span", { class: "step-actions" },
            h("button", { type: "button", class: "quiet small", text: t("Open"), "aria-label": t("Open step {n}: {name}", { n: i + 1, name }), onclick: (e) => this.step(i, e.target) }),
            this.edit ? h("button", { type: "button", class: "quiet small", text: t("Edit"), "aria-label": t("Edit step {n}: {name}", { n: i + 1, name }), onclick: () => this.edit(item.activity, i, (def) => this.replace(i, def)) }) : null,
            h("button", { type: "button", class: "quiet small", text: "↑", "aria-label": t("Move step {n} up", { n: i + 1 }), "data-move": "-1", disabled: i === 0, onclick: () => this.move(i, -1) }),
            h("button", { type: "button", class: "quiet small", text: "↓", "aria-label": t("Move step {n} down", { n: i + 1 }), "data-move": "1", disabled: i === plan.items.length - 1, onclick: () => this.move(i, 1) }),
            h("button", { type: "button", class: "quiet small", text: "✕", "aria-label": t("Remove step {n}", { n: i + 1 }), "data-remove": true, onclick: () => this.remove(i) }),
          ));
      })), this.undo?.line);
      parts.push(h("div", { class: "row" },
        planFiles(plan),
        h("button", { type: "button", class: "quiet", text: t("Close plan"), onclick: () => this.close() }),
      ));
    }
    parts.push(h("div", { class: "row" }, browse), picker);
    if (this.libraryOpen) parts.push(this.library);
    redrawKeepingFocus(this.el, () => replace(this.el, parts));
    this.follower.follow(this.el.closest(".runsheet"));
  }
}
