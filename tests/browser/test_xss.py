"""Cross-site scripting: payloads as answers, plan text and activity text, rendered by every
screen in real Chromium. No payload runs (a canary global is never set, no element is injected)
and each shows literally. The pages are checked with their Content-Security-Policy bypassed, so
this shows the rendering itself is safe; the policy (tests/test_security_headers.py) is a second
wall."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.drive import Screen
from tests.browser.harness import LAPTOP, PHONE, Harness
from tests.support import LiveServer

PAYLOADS = [
    "<script>window.__xss='script'</script>",
    "<img src=x onerror=\"window.__xss='img'\">",
    "<svg onload=\"window.__xss='svg'\"><xss-canary></xss-canary></svg>",
    '"><xss-canary id=x></xss-canary><b>bold</b>',
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "<a href=\"javascript:window.__xss='href'\">tap</a>",
    "${window.__xss='template'}{{constructor.constructor('window.__xss=1')()}}",
    "&lt;b&gt;entity&lt;/b&gt; &amp; <!-- comment -->",
]
INJECTED = "xss-canary, img[src='x'], iframe, svg[onload], a[href^='javascript'], b"

CHECK = (
    "(payloads) => ({ ran: window.__xss ?? null, injected: [...document.querySelectorAll("
    + json.dumps(INJECTED)
    + ")].map((e) => e.outerHTML.slice(0, 80)), missing: payloads.filter("
    + "(p) => !document.body.textContent.includes(p)) })"
)


def check(page: Page, shown: list[str]) -> None:
    result = page.evaluate(CHECK, shown)
    assert result["ran"] is None, f"a payload ran on {page.url}: {result['ran']}"
    assert result["injected"] == [], f"markup injected on {page.url}: {result['injected']}"
    assert result["missing"] == [], f"not shown literally on {page.url}: {result['missing']}"


@pytest.fixture
def room(server: LiveServer) -> Iterator[dict[str, Any]]:
    response = httpx.post(
        server.base_url + "/api/rooms",
        headers={"Authorization": f"Bearer {server.settings.host_secret}"},
        json={"k": 3},
    )
    yield response.json()


def test_payloads_show_literally_and_never_run(
    harness: Harness, server: LiveServer, room: dict[str, Any]
) -> None:
    plan = {
        "plan": {
            "format": "hearth-plan",
            "version": 1,
            "kind": "session",
            "title": PAYLOADS[0],
            "items": [
                {"activity": {"kind": "prompt", "title": p[:120], "text": p}} for p in PAYLOADS[1:4]
            ],
        },
        "index": -1,
    }
    laptop = harness.context(bypass_csp=True, **LAPTOP)
    # The console keeps its plan in sessionStorage (loaded from a file or the library): put one
    # there, as a plan file would, before the console's script reads it.
    laptop.add_init_script(
        "if (location.pathname === '/host') sessionStorage.setItem('hearth.plan', "
        + json.dumps(json.dumps(plan))
        + ");"
    )
    console = laptop.new_page()
    harness._watch(console)
    console.goto(room["console_url"].removeprefix(server.base_url))
    expect(console.locator(".join-code")).to_have_text(room["code"])
    check(console, [PAYLOADS[0], *(p[:120] for p in PAYLOADS[1:4])])  # plan title and steps
    display = harness.page(bypass_csp=True, viewport={"width": 1280, "height": 720})
    display.goto(room["display_url"].removeprefix(server.base_url))
    expect(display.locator(".corner-code")).to_be_visible()
    assert "ticket" not in display.url
    phone = harness.page(bypass_csp=True, **PHONE)
    phone.goto("/join")
    phone.get_by_label("Session code").fill(room["code"])
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()

    # Plan text reaches every screen when the console steps through the plan.
    console.get_by_role("button", name="Open next:").click()
    expect(display.get_by_text(PAYLOADS[1], exact=True).first).to_be_visible()
    expect(phone.get_by_text(PAYLOADS[1], exact=True).first).to_be_visible()
    for page in (console, display, phone):
        check(page, [PAYLOADS[1]])

    facilitator = Screen(
        server,
        {"role": "facilitator", "code": room["code"], "credential": room["facilitator_credential"]},
    )
    facilitator.until(lambda m: m["type"] == "snapshot")
    others = []
    for _ in range(len(PAYLOADS) - 1):
        other = Screen(server, {"role": "participant", "code": room["code"]})
        other.until(lambda m: m["type"] == "snapshot")
        others.append(other)

    # Activity text: title, text and content note of an open-text prompt.
    prompt = {
        "kind": "prompt",
        "title": PAYLOADS[4][:120],
        "text": PAYLOADS[5],
        "open_text": True,
    }
    facilitator.command({"type": "open", "activity": prompt})
    aid = facilitator.view["activity"]["id"]  # its update came before the ack
    expect(display.get_by_text(PAYLOADS[5], exact=True)).to_be_visible()
    expect(phone.get_by_text(PAYLOADS[5], exact=True)).to_be_visible()
    for page in (console, display, phone):
        check(page, [PAYLOADS[5]])

    # Answers: the browser phone types one, the others send the rest.
    phone.get_by_label("Your answer").fill(PAYLOADS[6])
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".answer-status")).to_contain_text("stored")  # before the close
    for other, payload in zip(others, PAYLOADS[:6] + PAYLOADS[7:], strict=False):
        other.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "text", "text": payload},
            }
        )
    facilitator.command({"type": "close"})
    queue = facilitator.view["queue"]
    assert len(queue) == len(PAYLOADS)
    expect(console.get_by_text(PAYLOADS[6], exact=True)).to_be_visible()
    check(console, PAYLOADS)  # the moderation queue
    for item in queue:
        facilitator.command({"type": "moderate", "item": item["id"], "action": "approve"})
    facilitator.command({"type": "release"})
    expect(phone.get_by_text(PAYLOADS[7], exact=True)).to_be_visible()
    check(phone, PAYLOADS)  # released answers
    on_display: set[str] = set()  # the display shows them a page at a time
    for number in range(2):
        facilitator.command({"type": "pages", "page": number})
        expect(display.locator(".page-of")).to_have_text(f"{number + 1} / 2")
        shown = display.locator(".cards li").all_text_contents()
        check(display, shown)
        on_display |= set(shown)
    assert on_display == set(PAYLOADS)

    # Poll options as payloads, revealed (as an order of options) on every screen.
    options = [p[:120] for p in PAYLOADS[:5]]
    facilitator.command(
        {"type": "open", "activity": {"kind": "poll", "text": "Which?", "options": options}}
    )
    aid = facilitator.view["activity"]["id"]
    for i, other in enumerate(others):
        other.command(
            {
                "type": "answer",
                "activity": aid,
                "ballot": secrets.token_urlsafe(16),
                "value": {"kind": "choice", "option": i % 2},
            }
        )
    facilitator.command({"type": "reveal"})
    for page in (console, display, phone):
        expect(page.locator(".results .answered").first).to_be_visible()
        check(page, options)
    facilitator.command({"type": "end"})
    for screen in (facilitator, *others):
        screen.ws.close()


def test_the_check_catches_markup_rendered_as_html(harness: Harness) -> None:
    """The checker above would notice a screen that rendered text as HTML."""
    harness.allow_console.append("Failed to load resource")  # the injected <img src=x>
    page = harness.page(bypass_csp=True, **PHONE)
    page.goto("/join")
    page.evaluate(
        "(p) => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }",
        PAYLOADS[1] + PAYLOADS[3],
    )
    page.wait_for_function("window.__xss !== undefined")
    result = page.evaluate(CHECK, [PAYLOADS[1]])
    assert result["ran"] == "img" and result["injected"] and result["missing"] == [PAYLOADS[1]]
