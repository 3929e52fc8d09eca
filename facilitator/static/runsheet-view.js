// A co-facilitator's run-sheet: the facilitator's plan as the room keeps it (runsheet-sync.js),
// read-only. It follows every step they open and every change they make; opening a step or
// changing the plan is theirs alone (the server refuses a co-facilitator's `open`), so nothing
// here offers it. The plan can still be saved or printed from this console.
import { h, replace } from "/static/shared/dom.js";
import { t } from "/static/shared/i18n.js";
import { planFiles } from "./plan-files.js";
import { followRunSheet } from "./plan.js";
import { planNotes, shownPlan, stepName, stepTitle } from "./plan-words.js";

export class RunSheetView {
  constructor() {
    this.el = h("section", { class: "card plan", "aria-labelledby": "plan-heading" });
    this.plan = null;
    this.index = -1;
    this.shown = "";
    this.follower = followRunSheet(this.el);
    this.render();
  }

  // The room's copy (the view's `runsheet`, null when the facilitator has none).
  mirror(runsheet) {
    const key = JSON.stringify(runsheet ?? null);
    if (key === this.shown) return;
    this.shown = key;
    this.plan = runsheet?.plan ?? null;
    this.index = runsheet?.index ?? -1;
    this.render();
  }

  render() {
    const plan = this.plan;
    const parts = [
      h("h2", { id: "plan-heading", text: plan ? t("Plan: {title}", { title: shownPlan(plan).title }) : t("Session plan") }),
      h("p", { class: "read-only", text: t("The facilitator's run-sheet, read-only: it follows their steps, and only they open a step or change the plan.") }),
    ];
    if (!plan) {
      parts.push(h("p", { class: "hint", text: t("No plan yet: it shows here when the facilitator chooses one.") }));
    } else {
      const next = plan.items[this.index + 1];
      parts.push(
        ...planNotes(plan, this.index),
        h("p", { class: "hint plan-next", text: next ? t("Next: {title}", { title: stepTitle(next) }) : t("That was the last step.") }),
        h("ol", { class: "steps" }, plan.items.map((item, i) => h("li", { class: i === this.index ? "step current" : "step", "aria-current": i === this.index ? "step" : null }, stepName(item)))),
        h("div", { class: "row" }, planFiles(plan)),
      );
    }
    replace(this.el, parts);
    this.follower.follow(this.el.closest(".runsheet"));
  }
}
