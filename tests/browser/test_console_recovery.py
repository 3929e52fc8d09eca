"""The console through what outside testers ran into: a button pressed while the connection is
down says plainly that nothing was sent (never "trying again") and the word goes once it is
back; a room the server lost says what to do next, and a new link pasted into that tab is taken;
"Reveal anyway?" speaks of sides when results are split; `hearth link` is named with the port
this server runs on; Esc shuts a side panel, a skip link leads past the run-sheet, a removed step
can be put back; the ended page keeps "Source code" at its foot; the queue opens at its heading."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser.drive import Screen, new_room
from tests.browser.harness import Harness
from tests.support import LiveServer

NOT_SENT = "Not connected, so this was not sent. Once the connection is back, try again."


def poll(console: Page, text: str) -> None:
    Harness.open_activity(console, "poll", text, **{"Options, one per line": "A\nB"})


def test_a_command_pressed_offline_says_it_was_not_sent(harness: Harness) -> None:
    harness.allow_console.append(r"WebSocket connection to .* failed")
    console = harness.facilitator(k=3)
    poll(console, "Still open?")
    console.context.set_offline(True)
    expect(console.locator("#net")).to_have_text("Reconnecting… What you press now is not sent.")
    close = console.get_by_role("button", name="Close answers")
    expect(close).to_have_css("cursor", "wait")  # it looks as if it waits
    close.click()
    said = console.locator(".inline-error")
    expect(said).to_have_text(NOT_SENT)

    console.context.set_offline(False)
    expect(console.locator("#net")).to_have_text("")
    expect(said).to_have_count(0)  # about a moment that has passed
    # nothing was replayed behind the facilitator's back: the question is still open
    expect(console.locator("#live-status")).to_have_text("Open: taking answers")
    expect(close).to_have_css("cursor", "pointer")


def test_a_lost_room_says_what_next_and_a_pasted_link_is_taken(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=3)
    server.call(server.service.store.erase(harness.code(console)))  # the store lost the room
    expect(console.get_by_role("heading", name="The session has ended")).to_be_visible()
    expect(console.locator("#app")).to_contain_text("The server lost this room")
    command = f"hearth link --port {server.settings.port}"  # not the default port: named
    expect(console.locator("#lost-next code")).to_have_text(command)
    expect(console.locator("#app")).to_contain_text("join again with the new code")
    # a restarted Hearth made a new host secret: the start link kept in this tab is stale, and
    # the console says so, with the command that prints a new one
    harness.allow_console.append(r"status of 401")  # the browser logs the refused request
    console.evaluate("sessionStorage.setItem('hearth.host', 'from-before-the-restart')")
    console.get_by_role("button", name="Start another session").click()
    console.get_by_role("button", name="Create a room").click()
    expect(console.get_by_role("heading", name="Open the facilitator link")).to_be_visible()
    expect(console.get_by_role("alert")).to_have_text(
        "Hearth was restarted since this tab opened its link, so it needs a new one."
    )
    expect(console.locator("#app code")).to_have_text(command)

    # the link `hearth link --room` prints for a running room, pasted into the same tab: only
    # the part after "#" changes, and the console takes it
    room = new_room(server)
    path = harness.link(
        {"role": "facilitator", "code": room["code"]}, bearer=server.settings.host_secret
    )
    assert path.startswith("/host#ticket=")
    console.goto(path)
    expect(console.locator("#count-code")).to_have_text(room["code"])
    expect(console.locator(".join-code")).to_have_text(room["code"])
    assert "ticket" not in console.url
    kept = json.loads(console.evaluate("sessionStorage.getItem('hearth.console')"))
    assert kept["code"] == room["code"]


def test_a_console_that_came_back_by_a_room_link_says_how_to_start_the_next_room(
    harness: Harness, server: LiveServer
) -> None:
    """A console opened with `hearth link --room` holds no start link, so after End its receipt
    offered no way on: it now names the command that prints one."""
    room = new_room(server)
    console = harness.page()
    console.goto(
        harness.link({"role": "facilitator", "code": room["code"]}, bearer=server.settings.host_secret)
    )
    expect(console.locator("#count-code")).to_have_text(room["code"])
    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()
    expect(console.locator("#receipt")).to_be_visible()
    expect(console.get_by_role("button", name="Start another session")).to_have_count(0)
    command = f"hearth link --port {server.settings.port}"
    expect(console.locator("#start-elsewhere")).to_contain_text("To start another session, run")
    expect(console.locator("#start-elsewhere code")).to_have_text(command)


def test_a_console_a_newer_link_replaced_says_so_not_restart_or_spent_link(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    # a newer co-facilitator link signs out the co-facilitator console open before it
    co = harness.co_console(console)
    console.get_by_role("button", name="Co-facilitator link").click()
    expect(co.get_by_role("heading", name="This console was signed out")).to_be_visible()
    expect(co.get_by_role("alert")).to_contain_text("newer co-facilitator link")
    expect(co.locator("#replaced-next")).to_contain_text("ask the facilitator for a new one")

    # `hearth link --room CODE` on the server replaces the facilitator's credential
    server.call(server.service.rekey_facilitator(code))
    expect(console.get_by_role("heading", name="This console was signed out")).to_be_visible()
    expect(console.get_by_role("alert")).to_have_text(
        "A newer link into this session was made on the computer running Hearth, so this tab "
        "was signed out: a session has one facilitator console at a time. The session is "
        "still running."
    )
    command = f"hearth link --room {code} --port {server.settings.port}"
    expect(console.locator("#replaced-next code")).to_have_text(command)
    said = console.locator("#app").inner_text()
    for wrong in ("restarted", "no longer works", "Open the facilitator link", "Start a session"):
        assert wrong not in said, said
    assert console.evaluate("sessionStorage.getItem('hearth.console')") is None


def test_a_console_away_when_a_newer_link_replaced_it_says_so_when_it_comes_back(
    harness: Harness, server: LiveServer
) -> None:
    """A laptop asleep (here: offline) while `hearth link --room` made a newer link: when it
    wakes, its console is told it was signed out, not that its credential is not valid."""
    harness.allow_console.append(r"WebSocket connection to .* failed")
    console = harness.facilitator(k=3)
    code = harness.code(console)
    console.context.set_offline(True)
    expect(console.locator("#net")).to_have_text("Reconnecting… What you press now is not sent.")
    server.call(server.service.rekey_facilitator(code))
    console.context.set_offline(False)
    expect(console.get_by_role("heading", name="This console was signed out")).to_be_visible()
    expect(console.locator("#replaced-next code")).to_contain_text(f"hearth link --room {code}")
    assert "not valid" not in console.locator("#app").inner_text()


def test_reveal_anyway_speaks_of_sides_when_results_are_split(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=5)
    code = harness.code(console)
    harness.panel(console, "Room settings")
    console.get_by_label("Let people say which side they are on").check()
    console.get_by_label("Show results per side").check()
    expect(console.get_by_label("Show results per side")).to_be_checked()
    people = [Screen(server, {"role": "participant", "code": code}) for _ in range(10)]
    for i, person in enumerate(people):
        person.until(lambda m: m["type"] == "snapshot")
        if i < 7:  # 4 on one side, 3 on the other, 3 who did not say
            # no ack: taken in order, before this phone's answer
            person.ws.send(json.dumps({"type": "track", "track": ("hurt", "caused")[i % 2]}))
    poll(console, "Per side?")
    for person in people:
        person.answer_next({"kind": "choice", "option": 0})
    expect(console.locator("#count-answered")).to_have_text("10")  # the room passes k...
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".preview")).to_be_visible()
    console.get_by_role("button", name="Reveal results").click()
    # ...no side does: the question says so, not "fewer than 5 answered"
    expect(console.locator("#reveal-confirm-text")).to_have_text(
        "Reveal anyway? Nothing will show: results are shown per side, and no side has 5 "
        "answers of its own yet. A reveal cannot be undone."
    )
    for person in people:
        person.close()


def test_the_console_names_hearth_link_with_this_servers_port(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=3)
    code = harness.code(console)
    expect(console.locator("#reentry-hint code")).to_have_text(
        f"hearth link --room {code} --port {server.settings.port}"
    )


def test_esc_shuts_a_side_panel_and_focus_returns_to_its_button(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    harness.panel(console, "Room settings")
    toggle = console.get_by_role("button", name="Room settings", exact=True)
    console.locator("#set-locked").focus()  # a checkbox in the panel
    console.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(console.locator("#set-k")).to_have_count(0)
    expect(toggle).to_be_focused()
    # Esc inside a field is the field's (a search clears): the panel stays
    harness.panel(console, "Room settings")
    console.locator("#set-k").focus()
    console.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "true")


def use_first_plan(console: Page) -> None:
    console.locator(".plan button[aria-expanded]").click()  # Browse the library
    console.locator(".library-list li").first.locator("button").first.click()  # Use this plan
    expect(console.locator(".plan .steps > .step").first).to_be_visible()


def test_a_skip_link_leads_past_the_run_sheet_to_the_live_activity(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    use_first_plan(console)
    poll(console, "Straight here?")
    # the console's first stop after the page's language: before the bar's dozen buttons
    console.get_by_label("Language").focus()
    console.keyboard.press("Tab")
    skip = console.get_by_role("link", name="Skip to the live activity")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown while it has the focus
    console.keyboard.press("Enter")
    expect(console.locator("#live-heading")).to_be_focused()
    console.keyboard.press("Tab")
    expect(console.get_by_role("button", name="Close answers")).to_be_focused()
    assert "#" not in console.url


def test_a_removed_step_can_be_put_back(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    use_first_plan(console)
    steps = console.locator(".plan .steps > .step")
    names = steps.locator(".step-name").all_text_contents()
    assert len(names) >= 3
    console.get_by_role("button", name=re.compile(r"^Remove step 2$")).click()
    expect(steps).to_have_count(len(names) - 1)
    undo = console.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()  # the ✕ pressed is gone: the keyboard is on Undo
    expect(console.locator(".undo-note")).to_contain_text("Removed step 2:")
    # one full stop, not "…tonight?." after a name that ends a sentence of its own
    expect(console.locator("#undo-text")).not_to_have_text(re.compile(r"[.?!…]\.$"))
    console.keyboard.press("Enter")
    expect(steps.locator(".step-name")).to_have_text(names)
    expect(console.get_by_role("button", name="Remove step 2")).to_be_focused()
    expect(undo).to_have_count(0)


# The heading's top against the side column's: in view when it is not above the column's top.
HEADING_IN_VIEW = """() => {
  const side = document.querySelector('.side').getBoundingClientRect();
  const heading = document.querySelector('#queue-heading').getBoundingClientRect();
  return heading.top >= side.top && heading.bottom <= side.bottom;
}"""


def test_the_queue_opens_at_its_heading_and_the_ended_page_keeps_its_foot(
    harness: Harness, server: LiveServer
) -> None:
    console = harness.facilitator(k=3)
    console.set_viewport_size({"width": 1366, "height": 768})
    people = [Screen(server, {"role": "participant", "code": harness.code(console)}) for _ in range(5)]
    harness.panel(console, "New activity")  # its form scrolls the side column to Open on phones
    console.get_by_label("Kind").select_option("prompt")
    console.get_by_label("Collect anonymous written answers").check()
    harness.open_activity(console, "prompt", "What helped this week?")
    text = "Taking a walk before we talk, and saying so out loud. " * 2
    for person in people:
        person.answer_next({"kind": "text", "text": text})
    console.get_by_role("button", name="Close answers").click()
    expect(console.locator(".queue-item")).to_have_count(5)
    assert console.evaluate(HEADING_IN_VIEW), "the queue opens with its heading in view"
    for person in people:
        person.close()

    console.get_by_role("button", name="End session…").click()
    console.get_by_role("button", name="End and erase").click()
    expect(console.get_by_role("heading", name="The session has ended")).to_be_visible()
    source = console.locator(".source-link").bounding_box()
    card = console.locator(".receipt").bounding_box()
    assert source and card
    assert source["y"] + source["height"] >= 768 - 4, "Source code sits at the page's foot"
    assert source["y"] > card["y"] + card["height"] + 100


def test_a_plan_taken_in_place_of_another_can_be_put_back(harness: Harness) -> None:
    """From an outside run: a plan changed here (a step added from the library) was replaced
    by Use this plan, or by a file, without a word and without Undo, as Close plan has."""
    console = harness.facilitator(k=3)
    use_first_plan(console)
    steps = console.locator(".plan .steps > .step .step-name")
    names = steps.all_text_contents()
    console.locator(".plan button[aria-expanded]").click()  # Browse the library
    console.locator(".library-list li").nth(1).locator("button").first.click()  # another plan
    expect(console.locator(".undo-note")).to_contain_text("Replaced the plan:")
    expect(steps).not_to_have_text(names)
    undo = console.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    console.keyboard.press("Enter")
    expect(steps).to_have_text(names)
