"""The facilitator guide is for someone who does not program: it shows the screens it talks about
(screenshots that exist and that tests/browser/screenshots.py makes), names no API route or field
path (those belong in docs/plan-format.md), and promises nothing Hearth cannot keep."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "facilitator-guide.md"
SHOTS = ROOT / "docs" / "screenshots"


def test_the_guide_shows_screenshots_the_script_makes() -> None:
    text = GUIDE.read_text()
    linked = re.findall(r"!\[[^\]]+\]\(screenshots/([\w-]+\.png)\)", text)
    assert len(linked) >= 10, linked
    script = (ROOT / "tests" / "browser" / "screenshots.py").read_text()
    made = set(re.findall(r'"([\w-]+)"(?:, full_page=True)?\)', script))
    for name in linked:
        assert (SHOTS / name).is_file(), name
        assert name.removesuffix(".png") in made, f"{name} is not made by the screenshot script"
    listed = (SHOTS / "README.md").read_text()
    for png in SHOTS.glob("*.png"):
        assert png.name in listed, f"docs/screenshots/README.md does not describe {png.name}"


def test_the_guide_names_no_api_or_field_path() -> None:
    text = GUIDE.read_text()
    assert not re.search(r"/api/|\b(GET|POST) /|\w\[\d+\]\.|\bitems\.|_notes\b|`configure`", text)


def test_the_guide_keeps_to_honest_words() -> None:
    text = GUIDE.read_text().lower()
    for words in ("we never ask your name", "answers are deleted when the", "session ends",
                  "in a small group, results may still hint at who answered"):
        assert words in text.replace("\n", " "), words
    for banned in ("completely anonymous", "untraceable", "securely erased", "hipaa"):
        assert banned not in text, banned
    for topic in ("extend", "mirror", "pop-up", "hotspot", "guest wi-fi", "firewall", "distress",
                  "paper", "print", "k for a group of 6 to 12"):
        assert topic in text, topic
