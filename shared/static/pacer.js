// The grounding breathing pacer. It follows the room's timer: the first breath starts when the
// timer does, and while the timer waits to start or is paused the circle rests and says so. Its
// phase is the timer's elapsed time on the server clock, so every phone and the projector breathe
// together (a grounding with no timer breathes by the server clock alone). With reduced motion
// the circle stays still and only words change.
// For closed eyes, a gentle buzz (or, where phones cannot buzz, a soft tone) marks each change.
import { h } from "./dom.js";
import { t } from "./i18n.js";

let cue = false; // chosen on this phone, for this page only

function signal() {
  if (navigator.vibrate?.(40)) return;
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = 220;
    volume.gain.setValueAtTime(0.05, audio.currentTime);
    volume.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
    tone.connect(volume).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
    tone.onended = () => audio.close();
  } catch {
    /* no sound here: the words still change */
  }
}

// Where the breathing is: {at} ms into it, or {still: "waiting" | "paused"}.
export function breathing(timer, serverNow) {
  if (!timer) return { at: serverNow() };
  if (timer.running && timer.deadline_ms !== null) return { at: timer.duration_ms - (timer.deadline_ms - serverNow()) };
  return { still: timer.remaining_ms < timer.duration_ms ? "paused" : "waiting" };
}

// `timer`: the room's timer view now (a function). `second`: the projector's second language
// ({lang, dir, t}, i18n.js translatorFor): the label's twin beneath it.
export function pacer(definition, serverNow, { cues = false, second = null, timer = () => null } = {}) {
  const inhale = (definition.inhale ?? 4) * 1000;
  const hold = (definition.hold ?? 0) * 1000;
  const exhale = (definition.exhale ?? 6) * 1000;
  const cycle = inhale + hold + exhale;
  const circle = h("div", { class: "pacer-circle", "aria-hidden": "true" });
  const label = h("p", { class: "pacer-label" });
  const toggle = !cues ? null : h("button", {
    type: "button", class: "quiet small", "aria-pressed": String(cue),
    text: t("Buzz or tone at each change (for closed eyes)"),
    onclick: () => { cue = !cue; toggle.setAttribute("aria-pressed", String(cue)); },
  });
  const twin = second ? h("p", { class: "pacer-label twin", lang: second.lang, dir: second.dir ?? "auto" }) : null;
  const el = h("div", { class: "pacer" }, circle, label, twin, toggle);
  const said = (t) => ({ in: t("Breathe in"), hold: t("Hold"), out: t("Breathe out"), waiting: t("Waiting to start"), paused: t("Paused") });
  let phase = "";

  function tick() {
    const now = breathing(timer(), serverNow);
    const at = ((now.at % cycle) + cycle) % cycle;
    let next, scale;
    if (now.still) {
      next = now.still;
      scale = 0.55; // at rest, as before a breath in
    } else if (at < inhale) {
      next = "in";
      scale = 0.55 + 0.45 * (at / inhale);
    } else if (at < inhale + hold) {
      next = "hold";
      scale = 1;
    } else {
      next = "out";
      scale = 1 - 0.45 * ((at - inhale - hold) / exhale);
    }
    circle.style.setProperty("--scale", scale.toFixed(3));
    el.classList.toggle("still", !!now.still);
    if (next !== phase) {
      if (phase && cue && !now.still) signal();
      phase = next;
      label.textContent = said(t)[next];
      if (twin) {
        twin.textContent = said(second.t)[next];
        twin.hidden = twin.textContent === label.textContent;
      }
    }
  }
  tick();
  return { el, tick };
}
