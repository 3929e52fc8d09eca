"""The projector's own signs, as a room sees them: while the server cannot be reached it says so
in words the back row can read, away from the activity, the code box and the source link, and
the stage is softened (a screen that stopped updating never looks live); once the session has
ended, no empty code box is left in the corner."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.drive import facilitator, new_room
from tests.browser.harness import PROJECTOR, Harness
from tests.support import LiveServer

TEXT = (
    "Think of a moment this week when you wanted to hurry past something uncomfortable. What "
    "did you do with the urge to fix it quickly, and what did you notice when you stayed?"
)

# The sign's box, and every other box it must leave clear: the code box, the source link, and
# each line of text on the stage.
BOXES = """() => {
  const box = (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom });
  const sign = document.querySelector('#net');
  const others = [...document.querySelectorAll('#corner, .source-link a')].map((el) => box(el.getBoundingClientRect()));
  const walker = document.createTreeWalker(document.querySelector('#stage'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    others.push(...[...range.getClientRects()].filter((r) => r.width > 0).map(box));
  }
  return { sign: box(sign.getBoundingClientRect()), size: parseFloat(getComputedStyle(sign).fontSize),
    others };
}"""


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


def projector(harness: Harness, server: LiveServer) -> tuple[Page, dict[str, Any]]:
    room = new_room(server, k=3)
    display = harness.page(**PROJECTOR)
    display.goto(room["display_url"].removeprefix(server.base_url))
    expect(display.locator(".big-code")).to_be_visible()
    return display, room


def test_reconnecting_is_read_from_the_room_and_covers_nothing(
    harness: Harness, server: LiveServer
) -> None:
    harness.allow_console.append(r"WebSocket connection to .* failed")  # Chromium's own, offline
    display, room = projector(harness, server)
    lead = facilitator(server, room)
    lead.command({"type": "open", "activity": {"kind": "prompt", "title": "Staying", "text": TEXT}})
    expect(display.locator(".text")).to_have_text(TEXT)
    expect(display.locator("#net")).to_be_hidden()

    display.context.set_offline(True)
    expect(display.locator("#net")).to_have_text("Reconnecting…")
    expect(display.locator("#net")).to_be_visible()
    seen = display.evaluate(BOXES)
    assert seen["size"] >= 20, f"the sign is {seen['size']}px at 1280x720"
    covered = [other for other in seen["others"] if overlaps(seen["sign"], other)]
    assert not covered, f"the sign {seen['sign']} covers {covered}"
    # softened: the stage fades a little (a short transition), so wait for it, not a time
    display.wait_for_function(
        "() => parseFloat(getComputedStyle(document.querySelector('#stage')).opacity) < 0.8"
    )

    display.context.set_offline(False)
    expect(display.locator("#net")).to_be_hidden()
    expect(display.locator("#stage")).to_have_css("opacity", "1")
    lead.close()


def test_the_ended_projector_leaves_no_code_box(harness: Harness, server: LiveServer) -> None:
    display, room = projector(harness, server)
    lead = facilitator(server, room)
    expect(display.locator("#corner")).to_be_visible()
    lead.command({"type": "end"})
    expect(display.get_by_role("heading", name="The session has ended")).to_be_visible()
    expect(display.locator("#corner")).to_be_hidden()
    lead.close()


def test_a_projector_whose_display_was_replaced_does_not_say_the_session_ended(
    harness: Harness, server: LiveServer
) -> None:
    """Two re-entries, each opening a display, retire the first display's credential. The
    projector still up with it, once its connection drops and comes back, says it was replaced
    and the session runs on: the whole room reads that wall."""
    harness.allow_console.append(r"WebSocket connection to .* failed")  # Chromium's own, offline
    display, room = projector(harness, server)
    code = room["code"]
    for _ in range(2):
        console = server.call(server.service.rekey_facilitator(code))
        assert server.call(server.service.display_for(code, console))
    display.context.set_offline(True)
    expect(display.locator("#net")).to_have_text("Reconnecting…")
    display.context.set_offline(False)
    expect(display.get_by_role("heading", name="This display was replaced")).to_be_visible()
    expect(display.locator("#stage")).to_contain_text("The session is still running.")
    assert "ended" not in display.locator("#stage").inner_text()


def test_a_locked_room_s_projector_asks_no_one_to_join(
    harness: Harness, server: LiveServer
) -> None:
    """A locked room turns late arrivals away: its projector no longer shows the address, the
    code or the QR code for them to try, in the lobby or in the corner, until it is unlocked."""
    display, room = projector(harness, server)
    lead = facilitator(server, room)
    expect(display.locator(".lobby .qr svg")).to_be_visible()
    lead.command({"type": "configure", "locked": True})
    expect(
        display.get_by_role("heading", name="This session is not taking new people.")
    ).to_be_visible()
    for gone in (".big-code", ".qr", "#corner"):
        expect(display.locator(gone)).to_be_hidden()
    assert room["code"] not in display.locator("body").inner_text().replace(" ", "")

    lead.command({"type": "open", "activity": {"kind": "prompt", "title": "Staying", "text": TEXT}})
    expect(display.locator(".text")).to_have_text(TEXT)
    expect(display.locator("#corner")).to_be_hidden()

    lead.command({"type": "configure", "locked": False})
    expect(display.locator(".corner-code")).to_have_text(f"{room['code'][:3]} {room['code'][3:]}")
    lead.command({"type": "close"})
    lead.command({"type": "clear"})
    expect(display.locator(".big-code")).to_be_visible()
    expect(display.locator(".lobby .qr svg")).to_be_visible()
    lead.close()
