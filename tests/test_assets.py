"""Pages load nothing from anyone else's servers: no URL of another host in any template, module
or stylesheet (promise 6 in docs/promises.md). The browser suite checks the requests a real run makes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = [
    path
    for folder in ("facilitator", "participant", "shared")
    for path in sorted((ROOT / folder).rglob("*"))
    if path.suffix in {".html", ".js", ".css", ".svg"}
]
ABSOLUTE = re.compile(r"(?:https?:|wss?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
# An SVG file's own namespace attribute is a name the browser never fetches; scripts, styles and
# templates get no such exemption.
NAMESPACE = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')


def test_there_are_assets_to_check() -> None:
    assert any(p.suffix == ".js" for p in ASSETS) and any(p.suffix == ".html" for p in ASSETS)


def test_no_asset_names_another_host() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in ASSETS
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if ABSOLUTE.search(NAMESPACE.sub("", line) if path.suffix == ".svg" else line)
    ]
    assert not found, found
