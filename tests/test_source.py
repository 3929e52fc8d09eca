"""AGPL-3.0-or-later, section 13: the licence is in the tree, and every page links to where the
running version's source can be had; by default the server hands out that source itself."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support import LiveServer

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/", "/join", "/host", "/display", "/source", "/privacy"]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


def test_the_licence_is_the_full_agpl_and_the_readme_names_it() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    for part in ("Version 3, 19 November 2007", "13. Remote Network Interaction;",
                 "END OF TERMS AND CONDITIONS", "How to Apply These Terms to Your New Programs"):
        assert part in text, part
    assert len(text.splitlines()) > 600  # the whole text, not a notice
    assert 'license = { text = "AGPL-3.0-or-later" }' in (ROOT / "pyproject.toml").read_text()
    assert "AGPL-3.0-or-later" in (ROOT / "README.md").read_text()


def test_every_page_links_to_the_source(server: LiveServer) -> None:
    for path in PAGES:
        page = httpx.get(server.base_url + path, follow_redirects=True)
        assert page.status_code == 200, path
        assert re.search(r'<a href="/source"[^>]*>Source code</a>', page.text), path


def test_the_bare_address_is_the_join_page(server: LiveServer) -> None:
    """One path for the join page, so that the phone's rejoin cookie can be scoped to it."""
    bare = httpx.get(server.base_url + "/")
    assert (bare.status_code, bare.headers["location"]) == (302, "/join")
    assert httpx.get(server.base_url + "/?lang=de").headers["location"] == "/join?lang=de"


def test_the_source_link_follows_the_setting() -> None:
    live = LiveServer.start(source_url="https://example.org/hearth/src")
    try:
        for path in ("/join", "/host", "/source"):
            page = httpx.get(live.base_url + path).text
            assert '<a href="https://example.org/hearth/src"' in page, path
    finally:
        live.stop()


def test_the_server_hands_out_the_source_it_runs(server: LiveServer) -> None:
    page = httpx.get(server.base_url + "/source").text
    href = re.search(r'id="source-archive" href="([^"]+)"', page)
    assert href and href.group(1).endswith(".zip")
    response = httpx.get(server.base_url + href.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    zipped = zipfile.ZipFile(io.BytesIO(response.content))
    names = zipped.namelist()
    prefix = names[0].split("/")[0] + "/"
    assert all(n.startswith(prefix) for n in names)
    inside = {n[len(prefix):] for n in names}
    for needed in ("pyproject.toml", "README.md", "LICENSE", "server/app.py", "server/http/source_routes.py",
                   "facilitator/templates/console.html", "participant/static/join.js",
                   "shared/static/connection.js",
                   "server/domain/library/plans/01-stopping-is-not-changing.yaml"):
        assert needed in inside, needed
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in inside)
    # The very files that run, byte for byte.
    for name in ("server/http/routes.py", "participant/templates/base.html", "LICENSE"):
        assert zipped.read(prefix + name) == (ROOT / name).read_bytes(), name
    licence = httpx.get(server.base_url + "/source/LICENSE")
    assert licence.text == (ROOT / "LICENSE").read_text()
    stale = httpx.get(server.base_url + "/source/hearth-0.0.1.zip", follow_redirects=False)
    assert stale.status_code == 302 and stale.headers["location"] == href.group(1)
