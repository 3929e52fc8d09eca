"""Browser fixtures: one Chromium for the browser suite, one Hearth server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser.harness import TIMEOUT_MS, Harness, launch
from tests.support import LiveServer

# Assertions wait as long as actions do (Playwright's own default for them is 5 s): on a loaded
# machine, a page that is right a little late is not wrong, and waiting costs nothing once it is.
expect.set_options(timeout=TIMEOUT_MS)


# Package scope: one browser for the whole browser suite, closed before the async suites run.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


@pytest.fixture
def harness(browser: Browser, server: LiveServer) -> Iterator[Harness]:
    run = Harness(browser, server)
    yield run
    try:
        run.check()
    finally:
        run.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
