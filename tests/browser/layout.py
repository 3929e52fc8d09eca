"""Layout checks in the browser: what is cut off, what overflows its box, what sits under a
fixed bar. Each returns a list of problems (empty when the screen is right), naming elements."""

from __future__ import annotations

from playwright.sync_api import Page

# How the checks below name an element in what they report: tag#id.classes.
NAME = """const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');"""

# Every visible element inside the viewport; no element's content (or its own lines of text)
# outside its box; and the page itself does not scroll.
CUT_OFF = (
    """() => {
  const W = innerWidth, H = innerHeight, bad = [], slack = 2;
  """
    + NAME
    + """
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.visually-hidden, svg, [hidden]')) continue;
    if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -slack || r.top < -slack || r.right > W + slack || r.bottom > H + slack)
      bad.push(`${name(el)} outside the screen: ${Math.round(r.left)},${Math.round(r.top)}-${Math.round(r.right)},${Math.round(r.bottom)}`);
    if (getComputedStyle(el).display !== 'inline'
        && (el.scrollWidth > el.clientWidth + slack || el.scrollHeight > el.clientHeight + slack))
      bad.push(`${name(el)} overflows its box (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight})`);
    for (const node of el.childNodes) {
      if (node.nodeType !== 3 || !node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const t = range.getBoundingClientRect();
      if (t.left < r.left - slack || t.right > r.right + slack || t.top < r.top - slack || t.bottom > r.bottom + slack)
        bad.push(`text of ${name(el)} runs out of its box: ${JSON.stringify(node.textContent.slice(0, 30))}`);
    }
  }
  const page = document.scrollingElement;
  if (page.scrollHeight > H + 1 || page.scrollWidth > W + 1) bad.push(`the page scrolls: ${page.scrollWidth}x${page.scrollHeight}`);
  return bad;
}"""
)

PAGE_SCROLL = """() => {
  const page = document.scrollingElement;
  return { height: page.scrollHeight, width: page.scrollWidth, H: innerHeight, W: innerWidth };
}"""

# Each control and line of text, scrolled into view the way focus or a tap would, must not end
# up under a fixed or sticky bar.
UNDER_FIXED = """(named) => {
  const bars = [...document.querySelectorAll('body *')].filter((el) => {
    const p = getComputedStyle(el).position;
    return (p === 'fixed' || p === 'sticky' || named.some((s) => el.matches(s)))
      && el.checkVisibility() && el.getBoundingClientRect().height > 0;
  });
  const bad = [];
  const targets = document.querySelectorAll('main button, main input, main textarea, main a, main p, main h1, main h2, main li, main label');
  for (const el of targets) {
    if (bars.some((b) => b.contains(el)) || !el.checkVisibility()) continue;
    if (el.closest('.visually-hidden')) continue;
    el.scrollIntoView({ block: 'nearest' });
    // what can be seen of it: its box, less what a scrolling container clips
    const box = el.getBoundingClientRect();
    const r = { top: box.top, bottom: box.bottom, left: box.left, right: box.right, height: box.height };
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowY === 'visible') continue;
      const c = up.getBoundingClientRect();
      r.top = Math.max(r.top, c.top);
      r.bottom = Math.min(r.bottom, c.bottom);
    }
    if (r.height === 0) continue;
    if (r.top < -1 || r.bottom > innerHeight + 1) bad.push(`${el.tagName} ${JSON.stringify(el.textContent.slice(0, 30))} cannot be scrolled into view`);
    for (const b of bars) {
      const f = b.getBoundingClientRect();
      const overlap = Math.min(r.bottom, f.bottom) - Math.max(r.top, f.top);
      const across = Math.min(r.right, f.right) - Math.max(r.left, f.left);
      if (overlap > 1 && across > 1) bad.push(`${el.tagName} ${JSON.stringify(el.textContent.slice(0, 30))} is under ${b.id || b.className}`);
    }
  }
  return bad;
}"""


# Every word of every visible element matching the selector on one line: a word whose letters
# sit on two lines was split. Hyphens and slashes are places a word may break.
SPLIT_WORDS = """(selector) => {
  const split = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility()) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = /[^\\s\\-\\u2010/]+/gu;
      for (let m; (m = words.exec(node.textContent)); ) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(`"${m[0]}" in "${el.textContent.trim().slice(0, 40)}"`);
      }
    }
  }
  return split;
}"""


def split_words(page: Page, selector: str) -> list[str]:
    """Words of the visible elements matching `selector` that the browser broke across lines."""
    split: list[str] = page.evaluate(SPLIT_WORDS, selector)
    return split


# What runs off the sides of a screen `width` wide, or out of its own box sideways (a page
# whose main part scrolls up and down can still hide what runs off its sides).
SIDEWAYS = (
    """([W, root]) => {
  const bad = [], slack = 2;
  """
    + NAME
    + """
  for (const el of document.querySelectorAll(root + ' *')) {
    if (el.closest('.visually-hidden, svg, [hidden]')) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -slack || r.right > W + slack)
      bad.push(`${name(el)} at ${Math.round(r.left)}-${Math.round(r.right)}: ${JSON.stringify(el.textContent.trim().slice(0, 20))}`);
    const style = getComputedStyle(el);
    if (style.display !== 'inline' && style.overflowX !== 'auto' && el.scrollWidth > el.clientWidth + slack)
      bad.push(`${name(el)} overflows sideways (${el.scrollWidth} in ${el.clientWidth})`);
  }
  return bad;
}"""
)


def sideways(page: Page, width: int, root: str = "body") -> list[str]:
    """What runs off a screen `width` wide, among what is inside `root`."""
    problems: list[str] = page.evaluate(SIDEWAYS, [width, root])
    return problems


def cut_off(page: Page) -> list[str]:
    problems: list[str] = page.evaluate(CUT_OFF)
    return problems


def page_scroll(page: Page) -> dict[str, int]:
    sizes: dict[str, int] = page.evaluate(PAGE_SCROLL)
    return sizes


def under_fixed(page: Page, bars: tuple[str, ...] = ()) -> list[str]:
    """`bars`: selectors of bars to count as fixed besides position: fixed or sticky."""
    problems: list[str] = page.evaluate(UNDER_FIXED, list(bars))
    return problems
