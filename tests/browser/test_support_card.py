"""The support card on a phone: a helpline number in it dials when tapped (a number to text
opens a message)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.harness import Harness


def test_helpline_numbers_on_the_card_dial_and_times_and_years_do_not(harness: Harness) -> None:
    console = harness.facilitator(k=3)
    phone = harness.phone(harness.code(console))
    harness.panel(console, "Support card")
    console.get_by_role("textbox", name="Support card").fill(
        "Samaritans: 116 123, any time.\n"
        "Our line +44 (0)20 7946 0958, open 9:00-17:00 since 2019, or text 85258.\n"
        "Shout: text SHOUT to 85259."
    )
    console.get_by_role("button", name="Save the support card").click()
    phone.get_by_role("button", name="More", exact=True).click()
    phone.get_by_role("button", name="Support", exact=True).click()
    card = phone.get_by_role("dialog").locator("#support-body")
    expect(card.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
    expect(card.get_by_role("link", name="+44 (0)20 7946 0958")).to_have_attribute(
        "href", "tel:+442079460958"
    )
    # a number to text opens a message: a tap that rang a text-only line reached no one
    expect(card.get_by_role("link", name="85258")).to_have_attribute("href", "sms:85258")
    expect(card.get_by_role("link", name="85259")).to_have_attribute("href", "sms:85259")
    expect(card.get_by_role("link")).to_have_count(4)  # not the hours, nor the year
    expect(card.locator("p").nth(1)).to_have_text(
        "Our line +44 (0)20 7946 0958, open 9:00-17:00 since 2019, or text 85258."
    )
    # a finger's height, not a line of small text
    box = card.get_by_role("link", name="116 123").bounding_box()
    assert box is not None and box["height"] >= 24, box
