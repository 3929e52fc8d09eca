"""A phone that reaches Hearth at a plain-HTTP LAN address, as `hearth serve` prints it, sees no
error in its browser (no header is sent that such an origin ignores), and after Leave keeps
nothing of the session although the browser's own sweep (Clear-Site-Data) does not run there
(docs/security.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.drive import leave, new_room
from tests.browser.harness import CHROMIUM_ARGS, PHONE, TIMEOUT_MS, chromium_path
from tests.support import LiveServer

# What a phone's page can hold of a session (Cache Storage and service workers do not exist on an
# insecure origin, and the page never uses IndexedDB).
STORED = "() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie })"
LAN_HOST = "hearth.lan"  # a name Chromium treats as an ordinary, not potentially trustworthy, host


@pytest.fixture
def lan_browser(browser: Browser) -> Iterator[Browser]:
    """A second Chromium whose resolver sends the LAN name to this machine's loopback."""
    lan = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {LAN_HOST} 127.0.0.1"],
    )
    yield lan
    lan.close()


def test_a_phone_on_a_plain_http_lan_address_logs_no_error(
    lan_browser: Browser, server: LiveServer
) -> None:
    room = new_room(server)
    base = f"http://{LAN_HOST}:{server.settings.port}"
    context = lan_browser.new_context(base_url=base, **PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    phone = context.new_page()
    phone.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    phone.on("pageerror", lambda e: problems.append(str(e)))

    phone.goto(f"/join#{room['code']}")
    assert not phone.evaluate("window.isSecureContext"), "the test needs an insecure origin"
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    held = phone.evaluate(STORED)
    assert held["session"] > 0 and held["cookie"], "joined: a token in this tab, a rejoin cookie"
    phone.get_by_role("button", name="More").click()
    with phone.expect_response("**/api/forget") as forgotten:
        leave(phone)
    assert forgotten.value.status == 204
    assert "clear-site-data" not in forgotten.value.headers
    expect(phone.get_by_role("heading", name="You have left")).to_be_visible()
    # No browser sweep here: the page's own clearing is all there is, and it leaves nothing.
    assert phone.evaluate(STORED) == {"session": 0, "local": 0, "cookie": ""}
    # A navigation after the forget answer: whatever the browser had to say of it is said by now.
    phone.goto("/join")
    expect(phone.get_by_label("Session code")).to_be_visible()
    context.close()
    assert problems == [], problems
