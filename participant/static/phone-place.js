// Where the person is on the phone across redraws: the scroll of the page's scrolling part (main)
// and the focus. A new activity starts at its top; an update of the same one (an answer stored,
// answers closed) leaves the page where it was; a few things are brought into view, no more
// than needs be.
let main = null;
let glide = 0; // the next frame of a glide under way (bringIntoView), 0 when none

export function placeIn(scroller) {
  main = scroller;
  // The person's own hand or keys take over from a glide at once.
  for (const type of ["touchstart", "wheel", "keydown"]) main.addEventListener(type, stopGlide, { passive: true });
}

function stopGlide() {
  cancelAnimationFrame(glide);
  glide = 0;
}

// Chromium's own smooth scrolling could not be stopped: one still under way when a new activity
// was drawn went on after the scroll to the top and left the new activity a little way down.
// This one, frame by frame, stops when asked (and is instant for someone who wants less motion).
function glideBy(delta) {
  stopGlide();
  if (matchMedia("(prefers-reduced-motion: reduce)").matches) {
    main.scrollTop += delta;
    return;
  }
  const from = main.scrollTop;
  const start = performance.now();
  const step = (now) => {
    const done = Math.min(1, (now - start) / 250);
    main.scrollTop = from + delta * (1 - (1 - done) ** 3); // eased out
    glide = done < 1 ? requestAnimationFrame(step) : 0;
  };
  glide = requestAnimationFrame(step);
}

const TEXT_FIELD = "textarea, input:not([type]), input[type=text]";

// Someone typing keeps their place: results arriving do not scroll the caret away.
export function typing() {
  const el = document.activeElement;
  return !!el && !!main?.contains(el) && el.matches(TEXT_FIELD);
}

// Scroll main as little as needs be for el to be seen whole, so what is above it (the question)
// stays in view whenever both fit; an element taller than the view shows its start. Nothing
// takes the focus.
function bringIntoView(el) {
  if (!el?.isConnected || !main) return;
  const box = el.getBoundingClientRect();
  const view = main.getBoundingClientRect();
  const margin = 8;
  let delta = Math.max(0, box.bottom - (view.bottom - margin));
  if (box.top - delta < view.top + margin) delta = box.top - (view.top + margin);
  if (Math.abs(delta) >= 1) glideBy(delta);
}

// After this task's redraw, at the next frame: the element find() names then (null: none). A
// redraw of the same activity draws the element again; another activity names none, so what
// was meant for one activity (its answer's status) never carries the next one down.
export function bringIntoViewSoon(find) {
  requestAnimationFrame(() => bringIntoView(find()));
}

// A new activity is read from its top, at once: a glide still under way stops first. If the
// focus is nowhere (it went with what a redraw replaced), it goes to the new title, so a screen
// reader or a keyboard starts there; focus in the menu or the footer is left where it is.
// True when the title took the focus (a screen reader then reads it).
export function startAtTop(focusLost) {
  stopGlide();
  main?.scrollTo({ top: 0, behavior: "instant" });
  const nowhere = !document.activeElement || document.activeElement === document.body;
  const title = focusLost || nowhere ? document.getElementById("activity-title") : null;
  title?.focus({ preventScroll: true });
  return !!title && document.activeElement === title;
}

// A screen that replaces the session (its end, a Leave) is read from its top, the focus on the
// whole of it: the last activity's scroll would leave its heading above the view.
export function freshScreen() {
  stopGlide();
  main?.scrollTo({ top: 0, behavior: "instant" });
  main?.focus({ preventScroll: true });
}

// How to find the focused control again once redrawn: a text field by its id, a side by its
// value. Not an answer's option or box: focus left on it would show the neighbour which one.
function finderFor(was) {
  if (was.id && was.matches(TEXT_FIELD)) return (container) => container.querySelector(`#${CSS.escape(was.id)}`);
  if (was.dataset.side) return (container) => container.querySelector(`[data-side="${was.dataset.side}"]`);
  return null;
}

// A redraw keeps the focus where it was and a text field's caret: an answer stored, results or a
// change of side arriving while someone types or chooses by keyboard take nothing from them.
// True when the focus was in the container and went with what the redraw replaced.
export function keepingFocus(container, draw) {
  const was = document.activeElement;
  const inside = container && was && was !== container && container.contains(was);
  const find = inside ? finderFor(was) : null;
  const caret = find && was.matches(TEXT_FIELD) ? [was.selectionStart, was.selectionEnd] : null;
  draw();
  const again = find?.(container);
  if (!again) return !!inside && !was.isConnected;
  again.focus({ preventScroll: true });
  if (caret) again.setSelectionRange(...caret);
  return false;
}
