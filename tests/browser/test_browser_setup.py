"""The browser the suite drives: the switches harness.py adds keep Playwright's and do their job.

The whole browser suite depends on them: a Chromium or Playwright upgrade that renamed a
feature would bring back the address-bar pages that cost a third of its CPU, or drop one of
Playwright's own switches (harness.py repeats its --disable-features list), without any other
test noticing.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser

from tests.browser.harness import BROWSER_UI_FEATURES


def our_chromium_command_line() -> list[str]:
    """The browser process this test process launched: Chromium under Playwright's driver."""
    mine = str(os.getpid())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().split()
            parent = (proc / "stat").read_text().rpartition(")")[2].split()[1]
            grandparent = Path(f"/proc/{parent}/stat").read_text().rpartition(")")[2].split()[1]
        except (OSError, IndexError):
            continue  # a process that ended while we looked
        if grandparent == mine and argv and "chromium" in argv[0]:
            if not any(arg.startswith("--type=") for arg in argv):
                return argv
    raise AssertionError("no Chromium browser process under this test's Playwright driver")


def test_our_disabled_features_keep_playwrights(browser: Browser) -> None:
    argv = our_chromium_command_line()
    switch = "--disable-features="
    lists = [arg.removeprefix(switch).split(",") for arg in argv if arg.startswith(switch)]
    assert len(lists) == 2, "Playwright's --disable-features, then ours"
    playwrights, ours = lists  # Chromium keeps the last one it is given
    assert set(playwrights) <= set(ours), "harness.py must repeat Playwright's list"
    assert set(BROWSER_UI_FEATURES) <= set(ours)


def test_a_context_holds_only_its_own_page(browser: Browser) -> None:
    context = browser.new_context()
    try:
        context.new_page().goto("data:text/html,<p>one page")
        session = browser.new_browser_cdp_session()
        kinds = [target["type"] for target in session.send("Target.getTargets")["targetInfos"]]
    finally:
        context.close()
    assert kinds == ["page"], f"pages Chromium made of its own: {kinds}"
