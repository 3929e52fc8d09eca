"""Every HTTP response carries the security headers; no response sets a cookie; API answers and
pages are never cached; HSTS only over TLS."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from server.http.headers import content_security_policy
from server.http.routes import ASSET_DIRS
from tests.support import LiveServer


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer.start()
    yield live
    live.stop()


def static_paths() -> list[str]:
    return [
        f"/static/{name}/{file.name}"
        for name, folder in ASSET_DIRS.items()
        for file in sorted((folder / "static").glob("*.*"))[:1]
        if not file.name.startswith(".")
    ]


def requests(live: LiveServer) -> list[tuple[str, str, dict[str, str], bytes | None]]:
    bearer = {"Authorization": f"Bearer {live.settings.host_secret}"}
    json = {"Content-Type": "application/json"}
    return [
        ("GET", "/", {}, None),
        ("GET", "/join", {}, None),
        ("GET", "/host", {}, None),
        ("GET", "/display", {}, None),
        ("GET", "/healthz", {}, None),
        ("GET", "/livez", {}, None),
        *(("GET", path, {}, None) for path in static_paths()),
        ("GET", "/no-such-page", {}, None),
        ("POST", "/api/rooms", bearer, None),
        ("POST", "/api/rooms", {}, None),
        ("POST", "/api/tickets", {**bearer, **json}, b'{"role": "host"}'),
        ("POST", "/api/tickets/exchange", json, b'{"ticket": "h.nothing-here-at-all-0000"}'),
        ("POST", "/api/forget", {}, None),
    ]


def test_every_response_carries_the_headers(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        for method, path, headers, body in requests(server):
            response = http.request(method, path, headers=headers, content=body)
            h = response.headers
            where = f"{method} {path} -> {response.status_code}"
            csp = h.get("content-security-policy", "")
            directives = dict(
                ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip()
            )
            assert directives.get("default-src") == "'self'", where
            assert directives.get("script-src") == "'self'", where
            assert directives.get("style-src") == "'self'", where
            assert directives.get("frame-ancestors") == "'none'", where
            assert directives.get("base-uri") == "'none'", where
            assert directives.get("form-action") == "'self'", where
            assert directives.get("object-src") == "'none'", where
            assert directives.get("worker-src") == "'none'", where
            port = server.settings.port
            assert f"ws://127.0.0.1:{port}" in directives.get("connect-src", "").split(), where
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
            assert "*" not in csp, where
            assert h.get("referrer-policy") == "no-referrer", where
            assert h.get("x-content-type-options") == "nosniff", where
            policy = h.get("permissions-policy", "")
            for feature in ("camera=()", "microphone=()", "geolocation=()"):
                assert feature in policy, where
            assert "strict-transport-security" not in h, f"no HSTS over plain HTTP: {where}"
            assert "set-cookie" not in h, where
            if not path.startswith("/static/"):
                assert h.get("cache-control") == "no-store", where


def test_tls_adds_hsts_and_wss(server: LiveServer) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        response = http.get(
            "/join", headers={"X-Forwarded-Proto": "https", "Host": "hearth.example"}
        )
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "wss://hearth.example" in response.headers["content-security-policy"]


def test_a_forged_host_header_cannot_widen_the_policy() -> None:
    scope = {"type": "http", "scheme": "http", "headers": [(b"host", b"x; script-src *")]}
    policy = content_security_policy(scope)
    assert "script-src *" not in policy and "connect-src 'self';" in policy


def test_pages_load_nothing_inline(server: LiveServer) -> None:
    """The strict policy holds only if the pages need no inline script or style."""
    with httpx.Client(base_url=server.base_url) as http:
        for path in ("/join", "/host", "/display"):
            html = http.get(path).text.lower()
            assert "<style" not in html and " style=" not in html, path
            for tag in html.split("<script")[1:]:
                head = tag.split(">", 1)[0]
                assert "src=" in head, f"inline script on {path}"
            assert not re.search(r"<[^>]*\son[a-z]+\s*=", html), f"inline handler on {path}"
            foreign = re.findall(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", html)
            assert not foreign, f"{path} loads from another host: {foreign}"


@pytest.mark.parametrize(
    ("host", "forwarded_proto", "secure"),
    [
        ("127.0.0.1:8000", None, True),
        ("localhost:8000", None, True),
        ("[::1]:8000", None, True),
        ("192.0.2.2:8000", None, False),
        ("hearth.lan", None, False),
        ("hearth.lan", "https", True),
    ],
)
def test_headers_only_secure_origins_honour_go_only_to_them(
    server: LiveServer, host: str, forwarded_proto: str | None, secure: bool
) -> None:
    """On a plain-HTTP LAN address a browser ignores Cross-Origin-Opener-Policy and
    Clear-Site-Data and logs an error for each on every phone; they go where they are honoured."""
    headers = {"Host": host, **({"X-Forwarded-Proto": forwarded_proto} if forwarded_proto else {})}
    with httpx.Client(base_url=server.base_url) as http:
        page = http.get("/join", headers=headers)
        forget = http.post("/api/forget", headers=headers)
    assert page.status_code == 200 and forget.status_code == 204
    assert ("cross-origin-opener-policy" in page.headers) is secure
    assert ("clear-site-data" in forget.headers) is secure
    assert page.headers["cross-origin-resource-policy"] == "same-origin"
