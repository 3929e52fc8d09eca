// Scrolling a column so what matters stays in view, in order: scrollIntoView alone brings one
// element in and may push out what sits above it (the run-sheet's current step pushed its own
// notes out at 1366x768). Each element in `wanted` is kept wholly in view if it can be, given
// the ones before it, and the column shows as much of its top as that leaves room for.
export function keepInView(scroller, wanted) {
  const view = scroller.getBoundingClientRect();
  const top = view.top + scroller.clientTop;
  const height = scroller.clientHeight;
  let low = 0;
  let high = Math.max(0, scroller.scrollHeight - height);
  for (const el of wanted) {
    if (!el) continue;
    const box = el.getBoundingClientRect();
    const start = box.top - top + scroller.scrollTop; // where it sits in the column's content
    // wholly in view while scrollTop is in [end - height, start]; one taller than the column
    // shows its beginning
    const from = Math.min(start, start + box.height - height);
    const to = start;
    if (from > high) low = high;
    else if (to < low) high = low;
    else [low, high] = [Math.max(low, from), Math.min(high, to)];
  }
  if (Math.abs(low - scroller.scrollTop) >= 1) scroller.scrollTop = low;
}

// Whether `el` is wholly in view in `scroller`.
export function inView(scroller, el) {
  if (!el) return true;
  const view = scroller.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  const top = view.top + scroller.clientTop;
  return box.top >= top - 1 && box.bottom <= top + scroller.clientHeight + 1;
}

// A column that keeps `pick()` (elements, the most important first) in view: whenever asked
// (after a redraw), and again when the column changes size (a row added to the bar above it)
// if the most important one was in view before and no longer is.
export class Follower {
  constructor(pick) {
    this.pick = pick;
    this.scroller = null;
    this.shown = false; // the first element was in view after the last follow or scroll
  }

  first() {
    return this.pick().find(Boolean);
  }

  follow(scroller) {
    if (!scroller) return;
    if (scroller !== this.scroller) this.watch(scroller);
    keepInView(scroller, this.pick());
    this.shown = inView(scroller, this.first());
  }

  watch(scroller) {
    this.scroller = scroller;
    scroller.addEventListener("scroll", () => { this.shown = inView(scroller, this.first()); }, { passive: true });
    new ResizeObserver(() => {
      if (this.shown && !inView(scroller, this.first())) keepInView(scroller, this.pick());
    }).observe(scroller);
  }
}
