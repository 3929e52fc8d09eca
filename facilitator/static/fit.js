// Fit to screen, as presentation software does: the stage's text size is the largest that
// leaves nothing cut off (no scrolling, no line running out of its box), found by bisection
// on one CSS variable. Everything on the stage is sized in em, so one number scales it all.
const LOW = 0.2;
const HIGH = 1.3;
const STEPS = 9;

function overflows(el) {
  return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
}

function fits(stage) {
  if (overflows(stage)) return false;
  // A line that cannot wrap (the join code, a long word) pushes out of its own box first.
  for (const el of stage.querySelectorAll("*")) {
    if (el instanceof SVGElement) continue;
    if (el.clientWidth && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) return false;
  }
  return true;
}

export function fit(stage) {
  stage.dataset.fitFor = `${innerWidth}x${innerHeight}`; // for tests: fitted at this size
  let low = LOW;
  let high = HIGH;
  stage.style.setProperty("--fit", String(high));
  if (fits(stage)) return high;
  for (let i = 0; i < STEPS; i += 1) {
    const mid = (low + high) / 2;
    stage.style.setProperty("--fit", String(mid));
    if (fits(stage)) low = mid;
    else high = mid;
  }
  stage.style.setProperty("--fit", String(low));
  return low;
}

// Fit again when the window changes size (dragged to the projector, made full screen).
export function fitOnResize(stage, after = () => {}) {
  let frame = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      fit(stage);
      after();
    });
  });
}
