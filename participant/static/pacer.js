// The grounding breathing pacer. Its phase comes from the server clock, so every phone and the
// projector breathe together. With reduced motion the circle stays still and only words change.
import { h } from "./dom.js";

export function pacer(definition, serverNow) {
  const inhale = (definition.inhale ?? 4) * 1000;
  const hold = (definition.hold ?? 0) * 1000;
  const exhale = (definition.exhale ?? 6) * 1000;
  const cycle = inhale + hold + exhale;
  const circle = h("div", { class: "pacer-circle", "aria-hidden": "true" });
  const label = h("p", { class: "pacer-label" });
  const el = h("div", { class: "pacer" }, circle, label);
  let phase = "";

  function tick() {
    const t = ((serverNow() % cycle) + cycle) % cycle;
    let next, scale;
    if (t < inhale) {
      next = "Breathe in";
      scale = 0.55 + 0.45 * (t / inhale);
    } else if (t < inhale + hold) {
      next = "Hold";
      scale = 1;
    } else {
      next = "Breathe out";
      scale = 1 - 0.45 * ((t - inhale - hold) / exhale);
    }
    circle.style.setProperty("--scale", scale.toFixed(3));
    if (next !== phase) {
      phase = next;
      label.textContent = next;
    }
  }
  tick();
  return { el, tick };
}
