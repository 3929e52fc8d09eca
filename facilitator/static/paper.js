// Answers on paper, for people without a phone: the facilitator types the tally of paper slips
// while answers are open (the server refuses them once closed: the preview would then be a
// second look). Adding again replaces the paper tally. The facilitator knows those answers, so a
// result that includes them is held to k plus their number (server/domain/paper.py).
import { plural, t } from "/static/shared/i18n.js";
import { h } from "/static/shared/dom.js";
import { wholeNumbers } from "./console-state.js";

const COUNTED = new Set(["poll", "scale", "checkin"]);

function labels(def) {
  if (def.kind === "scale") return Array.from({ length: def.points || 5 }, (_, i) => String(i + 1));
  return def.options || [];
}

export function paperForm(activity, room, command) {
  const def = activity.definition;
  if (!COUNTED.has(def.kind)) return null;
  const added = activity.paper?.n ?? 0;
  if (activity.status !== "open") {
    return added ? h("p", { class: "hint paper", text: plural("{n} paper answer is included.", "{n} paper answers are included.", added) }) : null;
  }
  if (room.split && room.tracks) {
    return h("p", { class: "hint paper", text: t("Paper answers have no side, so they cannot be added while results are shown per side.") });
  }
  const paper = activity.paper || {};
  const cell = (i) => (def.kind === "scale" ? `v:${i + 1}` : `o:${i}`);
  const inputs = labels(def).map((label, i) => h("input", { id: `paper-${i}`, type: "number", min: "0", max: "1000", value: String(paper[cell(i)] || 0) }));
  const multiple = def.kind === "poll" && def.multiple;
  const sheets = multiple ? h("input", { id: "paper-sheets", type: "number", min: "0", max: "1000", value: String(paper.n || 0) }) : null;
  const status = h("p", { class: "hint", role: "status", text: paper.n ? plural("{n} paper answer added. Adding again replaces it.", "{n} paper answers added. Adding again replaces them.", paper.n) : "" });
  // Opened by hand (not drawn open again), it comes into view with its first count focused:
  // at 1366x768 it would otherwise open below the fold.
  let asked = false;
  const show = () => {
    const wanted = asked;
    asked = false;
    if (!details.open || !wanted) return;
    details.scrollIntoView({ block: "nearest" });
    inputs[0]?.focus(); // scrolls again only if a long form put it out of view
  };
  const details = h(
    "details",
    { class: "paper", open: !!paper.n, ontoggle: show },
    h("summary", { text: t("Add answers from paper"), onclick: () => { asked = true; } }),
    h("p", { class: "hint", text: t("For people without a phone: count the paper slips and enter how many chose each answer, before you close answers. You know these answers, so they cannot help hide anyone's: a result that includes them shows exact counts only, each none or at least k plus the number of paper answers. The summary says some answers were added by hand.") }),
    h(
      "form",
      {
        class: "paper-form",
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          const numbers = wholeNumbers(event.target, sheets ? [...inputs, sheets] : inputs, "paper");
          if (!numbers) return;
          const message = { type: "paper", activity: activity.id, counts: numbers.slice(0, inputs.length) };
          if (sheets) message.sheets = numbers[inputs.length];
          Promise.resolve(command(message, event.target)).catch(() => {});
        },
      },
      labels(def).map((label, i) => h("p", { class: "paper-field" }, h("label", { for: `paper-${i}`, text: t("On paper: {label}", { label }) }), inputs[i])),
      sheets ? h("p", { class: "paper-field" }, h("label", { for: "paper-sheets", text: t("Paper answers in all (people)") }), sheets) : null,
      h("button", { type: "submit", class: "secondary", text: t("Add paper answers") }),
    ),
    status,
  );
  return details;
}
