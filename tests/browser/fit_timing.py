"""How long the projector takes to fit a page of released answers to the screen, at each size:
`python -m tests.browser.fit_timing` (figures in docs/performance.md). Not a test: a timing."""

from __future__ import annotations

import statistics

from playwright.sync_api import expect, sync_playwright

from tests.browser.drive import facilitator, new_room, phones
from tests.browser.harness import Harness, launch
from tests.support import LiveServer

SIZES = [(1920, 1080), (1280, 720), (1024, 768)]
TIMED = """async () => {
    const { fit } = await import('/static/facilitator/fit.js');
    const stage = document.querySelector('#stage');
    const out = [];
    for (let i = 0; i < 20; i++) { const t = performance.now(); fit(stage); out.push(performance.now() - t); }
    return out;
}"""
LONG = "Think of a moment this week when you wanted to hurry past something uncomfortable. " * 4


def run() -> None:
    live = LiveServer.start()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            room = new_room(live)
            page = Harness(browser, live).page(viewport={"width": 1920, "height": 1080})
            page.goto(room["display_url"].removeprefix(live.base_url))
            expect(page.locator(".big-code")).to_be_visible()
            lead = facilitator(live, room)
            people = phones(live, room, 30)
            prompt = {"kind": "prompt", "text": "What helped?", "open_text": True}
            lead.command({"type": "open", "activity": prompt})
            aid = str(lead.view["activity"]["id"])
            for i, person in enumerate(people):
                person.answer(aid, {"kind": "text", "text": LONG[: 60 + (i * 37) % 220]})
            lead.command({"type": "close"})
            for item in lead.view["queue"]:
                lead.command({"type": "moderate", "item": item["id"], "action": "approve"})
            lead.command({"type": "release"})
            expect(page.locator(".page-of")).to_be_visible()
            for width, height in SIZES:
                page.set_viewport_size({"width": width, "height": height})
                times = page.evaluate(TIMED)
                scale = page.evaluate(
                    "() => getComputedStyle(document.querySelector('#stage'))"
                    ".getPropertyValue('--fit')"
                )
                print(
                    f"{width}x{height}: median {statistics.median(times):.1f} ms, "
                    f"max {max(times):.1f} ms over 20 fits; text at {float(scale):.2f} of full size"
                )
            browser.close()
    finally:
        live.stop()


if __name__ == "__main__":
    run()
