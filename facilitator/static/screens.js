// Is the display window on the projector? The display says which screen it is on (over a
// same-origin BroadcastChannel: screen geometry only, nothing about the room), and the console
// compares it with its own. Browsers tell a page only roughly where it is (no window position
// across screens without a permission prompt), so this is a hint, never a guarantee.
const CHANNEL = "hearth-screens";

export function screenRect() {
  const s = window.screen;
  return { left: s.availLeft ?? 0, top: s.availTop ?? 0, width: s.width, height: s.height };
}

function channel() {
  return "BroadcastChannel" in window ? new BroadcastChannel(CHANNEL) : null;
}

// On the display: say where it is now, when asked, and when it may have moved.
export function reportScreen() {
  const bus = channel();
  if (!bus) return;
  const say = () => bus.postMessage({ kind: "display", screen: screenRect() });
  bus.onmessage = (event) => event.data?.kind === "ask" && say();
  window.addEventListener("resize", say);
  setInterval(say, 2000); // dragging a window to another screen fires no event of its own
  say();
}

// On the console: onChange({display: rect|null, same: bool|null, extended: bool|undefined}).
export function watchScreens(onChange) {
  const bus = channel();
  if (!bus) return;
  let last = "";
  bus.onmessage = (event) => {
    if (event.data?.kind !== "display") return;
    const mine = screenRect();
    const theirs = event.data.screen || {};
    // A screen's top-left corner in the desktop's coordinates tells screens apart (two screens
    // of the same size side by side differ in left, stacked ones in top).
    const same = theirs.left === mine.left && theirs.top === mine.top;
    const state = { display: theirs, same, extended: window.screen.isExtended };
    const key = JSON.stringify(state);
    if (key !== last) {
      last = key;
      onChange(state);
    }
  };
  bus.postMessage({ kind: "ask" });
}
