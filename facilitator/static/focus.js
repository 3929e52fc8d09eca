// A redraw replaces the controls it drew, and the focus on one of them went with it, to the
// page's top: a keyboard was 43 Tabs from "Open step 5" back to "Close answers". This puts it
// back where the person was.
const CONTROLS = "button, input, select, textarea, a[href], [tabindex]";
const nameOf = (el) => el.getAttribute("aria-label") || el.textContent.trim();

// Draw el's content again; the control that had the focus there gets it back as drawn again
// under the same name, at the same place among those so named (each answer's "Approve"), else
// what `fallback` names (the card's heading) does.
export function redrawKeepingFocus(el, draw, fallback = () => null) {
  const was = document.activeElement;
  if (!was || was === el || !el.contains(was)) {
    draw();
    return;
  }
  const name = nameOf(was);
  const named = () => [...el.querySelectorAll(CONTROLS)].filter((c) => !c.disabled && nameOf(c) === name);
  const at = named().indexOf(was);
  draw();
  if (was.isConnected) return;
  const same = named();
  (same[Math.min(Math.max(at, 0), same.length - 1)] ?? fallback())?.focus();
}
