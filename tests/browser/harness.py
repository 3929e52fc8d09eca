"""Drive Hearth's three screens in Debian's Chromium: one browser, one context per person.

Every page is watched: a console error, an uncaught exception or a request to another host
fails the test that caused it (see Harness.check).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from tests.support import LiveServer, require_tool

# Playwright disables these itself with its own --disable-features, which a second one of ours
# replaces (Chromium keeps the last): so its list (driver 1.65) is repeated here.
PLAYWRIGHTS_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
]  # fmt: skip
# Headless Chromium still builds each window's address-bar popup: two web pages of its own
# (chrome://omnibox-popup) in a renderer per browser context, which no test looks at. Every
# phone, console and projector is a context, so they cost more CPU than Hearth's own pages did
# (a third of the browser suite's time on two cores).
BROWSER_UI_FEATURES = ["WebUIOmniboxPopup", "WebUIOmniboxAimPopup"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=" + ",".join(PLAYWRIGHTS_DISABLED_FEATURES + BROWSER_UI_FEATURES),
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 860}}
PROJECTOR = {"viewport": {"width": 1280, "height": 720}}
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    return os.environ.get("HEARTH_CHROMIUM") or require_tool(
        "chromium", "apt-get install chromium (Debian's build; Playwright cannot download one)"
    )


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


@dataclass
class Harness:
    browser: Browser
    live: LiveServer
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    watched: set[int] = field(default_factory=set)
    # Close codes a test provokes on purpose (e.g. cutting the network) would log errors.
    allow_console: list[str] = field(default_factory=list)

    def context(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(base_url=self.live.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", self._request)
        context.on("page", self._watch)
        self.contexts.append(context)
        return context

    def page(self, **options: Any) -> Page:
        page = self.context(**options).new_page()
        self._watch(page)
        return page

    def _watch(self, page: Page) -> None:
        if id(page) in self.watched:
            return
        self.watched.add(id(page))
        page.on("console", lambda m: self._console(m.type, m.text))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _console(self, kind: str, text: str) -> None:
        if kind == "error" and not any(re.search(p, text) for p in self.allow_console):
            self.problems.append(f"console error: {text}")

    def _request(self, request: Any) -> None:
        host = urlsplit(request.url).netloc
        own = urlsplit(self.live.base_url).netloc
        if request.url.startswith(("data:", "blob:", "about:")):
            self.problems.append(f"non-network request: {request.url[:40]}")
        elif host != own:
            self.problems.append(f"request to another host: {request.url}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()

    # -- people ------------------------------------------------------------------------------

    def link(self, body: dict[str, Any], bearer: str | None = None) -> str:
        """A one-time link minted by the server (POST /api/tickets), as a path."""
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = httpx.post(self.live.base_url + "/api/tickets", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["url"]).removeprefix(self.live.base_url)

    def facilitator(self, k: int = 3, **options: Any) -> Page:
        page = self.page(**{**LAPTOP, **options})
        page.goto(self.link({"role": "host"}, bearer=self.live.settings.host_secret))
        expect(page.get_by_role("heading", name="Start a session")).to_be_visible()
        assert "ticket" not in page.url, "the one-time link must leave the address bar at once"
        page.get_by_label("Minimum answers before any result shows (k)").fill(str(k))
        page.get_by_role("button", name="Create a room").click()
        expect(page.locator("#count-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
        expect(page.locator(".join-code")).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
        return page

    @staticmethod
    def code(console: Page) -> str:
        return console.locator("#count-code").inner_text().strip()

    @staticmethod
    def panel(console: Page, name: str, shown: bool = True) -> None:
        """Open one of the console's panels (New activity, Room settings, ...) if it is shut, or
        with shown=False shut it if it is open."""
        toggle = console.get_by_role("button", name=name, exact=True)
        want = "true" if shown else "false"
        if toggle.get_attribute("aria-expanded") != want:
            toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", want)

    def reenter(self, code: str) -> Page:
        """A console brought back into a running room, as `hearth link --room CODE` does."""
        path = self.link(
            {"role": "facilitator", "code": code}, bearer=self.live.settings.host_secret
        )
        back = self.page(**LAPTOP)
        back.goto(path)
        return back

    def co_console(self, console: Page, **options: Any) -> Page:
        """A co-facilitator's console, from the one-time link the facilitator's console makes."""
        self.panel(console, "Another device")
        console.get_by_role("button", name="Co-facilitator link").click()
        link = console.locator("#made-link").input_value()
        co = self.page(**{**LAPTOP, **options})
        co.goto(link.removeprefix(self.live.base_url))
        expect(co.get_by_role("heading", name="Co-facilitator console")).to_be_visible()
        expect(console.locator("#count-co")).to_have_text("here")
        return co

    def display(self, console: Page) -> Page:
        context = console.context
        with context.expect_page() as opened:
            console.get_by_role("button", name="Open the display").click()
        display = opened.value
        self._watch(display)
        display.set_viewport_size(PROJECTOR["viewport"])
        expect(display.locator(".corner-code")).to_be_visible()
        assert "key=" not in display.url, "the display credential must leave the address bar"
        return display

    def phone(self, code: str, **options: Any) -> Page:
        page = self.page(**{**PHONE, **options})
        page.goto("/join")
        page.get_by_label("Session code").fill(code.lower())
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_role("heading", name="You're in")).to_be_visible()
        return page

    @staticmethod
    def approve(console: Page, *places: int) -> None:
        """Approve the written answers at these places in the console's queue, each pressed."""
        items = console.locator(".queue-item")
        for i in places:
            items.nth(i).get_by_role("button", name="Approve").click()
            expect(items.nth(i).get_by_role("button", name="Approve")).to_have_attribute(
                "aria-pressed", "true"
            )

    @staticmethod
    def open_activity(
        console: Page, kind: str, text: str, style: str | None = None, **fields: str
    ) -> None:
        Harness.panel(console, "New activity")
        console.get_by_label("Kind").select_option(kind)
        console.get_by_label("Question or text").fill(text)
        for label, value in fields.items():
            console.get_by_label(label, exact=True).fill(value)
        if style is not None:
            console.get_by_label("How results are shown").select_option(style)
        console.get_by_role("button", name="Open on phones").click()
        expect(console.locator(".live-text")).to_have_text(text)
        # The view can come before the reply, and the reply shuts the panel: a step that
        # opened the panel again in between would lose it (and its form) under its hands.
        toggle = console.get_by_role("button", name="New activity", exact=True)
        expect(toggle).to_have_attribute("aria-expanded", "false")

    def check(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(problems)


def seconds(text: str) -> int:
    match = re.search(r"(\d+):(\d\d)", text)
    assert match, f"no clock in {text!r}"
    return int(match.group(1)) * 60 + int(match.group(2))
