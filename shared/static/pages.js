// Released answers, a page at a time: the console and the projector cut pages the same way, so
// "page 2 of 5" on the console is the page the room sees. The server keeps only the page number
// and, when pages turn by themselves, the pace and the server time they started from.
export const PER_PAGE = 6;
export const CHARS_PER_PAGE = 900;

// As few pages as the limits allow, and as even as that number allows: seven answers are 4 and
// 3, not 6 and one alone on a page of its own.
export function paginate(texts) {
  const fewest = cut(texts || [], PER_PAGE);
  if (fewest.length < 2) return fewest;
  const even = cut(texts, Math.ceil(texts.length / fewest.length));
  return even.length === fewest.length ? even : fewest;
}

function cut(texts, perPage) {
  const pages = [];
  let page = [];
  let chars = 0;
  for (const text of texts) {
    if (page.length && (page.length >= perPage || chars + text.length > CHARS_PER_PAGE)) {
      pages.push(page);
      page = [];
      chars = 0;
    }
    page.push(text);
    chars += text.length;
  }
  if (page.length) pages.push(page);
  return pages;
}

// The page on screen now: the facilitator's page, plus the turns since pages started turning.
export function pageNow(screen, count, serverNow) {
  if (!count) return 0;
  let page = screen?.page ?? 0;
  if (screen?.turn_seconds && screen.turn_from_ms) {
    page += Math.floor(Math.max(0, serverNow - screen.turn_from_ms) / (screen.turn_seconds * 1000));
  }
  return ((page % count) + count) % count;
}
