"""The phone keeps nothing: after Leave, and after the facilitator ends the session, the site's
sessionStorage, localStorage, cookies, Cache Storage and IndexedDB are empty, no service worker
is registered, the address carries no code, and the title never names the group or the tool."""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from tests.browser.drive import leave
from tests.browser.harness import PHONE, Harness
from tests.support import LiveServer

TRACES = """async () => ({
    session: sessionStorage.length,
    local: localStorage.length,
    cookies: document.cookie,
    caches: await caches.keys(),
    databases: (await indexedDB.databases()).map((d) => d.name),
    workers: (await navigator.serviceWorker.getRegistrations()).length,
    title: document.title,
    url: location.href,
})"""

# Traces some other script could have left: the forget step on Leave and on end must sweep them.
PLANT = """async () => {
    localStorage.setItem('planted', '1');
    document.cookie = 'planted=1; path=/';
    await (await caches.open('planted')).put('/planted', new Response('x'));
    await new Promise((done) => { const r = indexedDB.open('planted'); r.onsuccess = () => { r.result.close(); done(); }; });
}"""

NEUTRAL = re.compile(r"^[A-Za-z ]{0,20}$")
TELLING = re.compile(r"hearth|betray|recover|therap|affair|infidel|couple", re.IGNORECASE)


def create_room(live: LiveServer) -> dict[str, Any]:
    response = httpx.post(
        live.base_url + "/api/rooms",
        headers={"Authorization": f"Bearer {live.settings.host_secret}"},
        json={"k": 3},
    )
    assert response.status_code == 201
    return response.json()  # type: ignore[no-any-return]


def join_by_link(harness: Harness, room: dict[str, Any]) -> Page:
    phone = harness.page(**PHONE)
    forgets: list[str] = []
    phone.on("request", lambda r: forgets.append(r.url) if r.url.endswith("/api/forget") else None)
    phone.forgets = forgets  # type: ignore[attr-defined]
    phone.goto(room["join_url"].removeprefix(harness.live.base_url))  # as the QR code opens it
    assert room["code"] not in phone.url, "the code leaves the address bar at once"
    # The page draws once its catalogue is in: the prefilled code (and Join), or the room itself.
    join, inside = (
        phone.get_by_role("button", name="Join"),
        phone.get_by_role("heading", name="You're in"),
    )
    expect(join.or_(inside)).to_be_visible()
    if join.is_visible():
        join.click()
    expect(phone.get_by_role("heading", name="You're in")).to_be_visible()
    title_is_neutral(phone)
    return phone


def title_is_neutral(phone: Page) -> None:
    title = phone.title()
    assert NEUTRAL.match(title) and not TELLING.search(title), title


def traces(phone: Page) -> dict[str, Any]:
    return phone.evaluate(TRACES)  # type: ignore[no-any-return]


def nothing_left(phone: Page) -> None:
    # The page clears its own storage at once; the browser applies Clear-Site-Data from the
    # /api/forget answer a moment later. wait_for_function does not await an async predicate
    # (a Promise is truthy), so the page itself polls until the sweep shows, or ten seconds pass.
    # While the browser sweeps, a storage query may not answer at all (once, for two minutes,
    # on a loaded machine): such a look counts as not swept yet, and the next one is taken.
    left = phone.evaluate(
        f"""async () => {{
            const deadline = Date.now() + 10000;
            const after = (ms) => new Promise((next) => setTimeout(next, ms));
            let left = {{ unanswered: "no storage query answered within ten seconds" }};
            for (;;) {{
                const look = await Promise.race([({TRACES})(), after(1000).then(() => null)]);
                if (look) left = look;
                const swept = look && look.local === 0 && look.cookies === ''
                    && look.caches.length === 0 && look.databases.length === 0;
                if (swept || Date.now() > deadline) return left;
                await after(100);
            }}
        }}"""
    )
    assert "unanswered" not in left, left
    assert left["session"] == 0 and left["local"] == 0 and left["cookies"] == "", left
    assert left["caches"] == [] and left["databases"] == [] and left["workers"] == 0, left
    assert "#" not in left["url"] and not re.search(r"[A-Z0-9]{6}", left["url"]), left
    title_is_neutral(phone)
    assert phone.forgets, "the page asked the server to clear the site"  # type: ignore[attr-defined]
    # and a reload does not bring the session back
    phone.reload()
    expect(phone.get_by_label("Session code")).to_be_visible()
    assert traces(phone)["session"] == 0


def answer_something(live: LiveServer, room: dict[str, Any], phone: Page) -> None:
    with connect(live.ws_url, origin=live.base_url, compression=None) as ws:
        hello = {"type": "hello", "role": "facilitator", "code": room["code"]}
        ws.send(json.dumps({**hello, "credential": room["facilitator_credential"]}))
        activity = {"kind": "poll", "text": "Which?", "options": ["Rest", "Talk"]}
        ws.send(json.dumps({"type": "open", "id": 1, "activity": activity}))
        while json.loads(ws.recv(timeout=10)).get("id") != 1:
            pass
    phone.get_by_role("button", name="Rest").click()
    expect(phone.locator(".answer-status")).to_have_text(re.compile("stored"))
    held = traces(phone)
    assert held["session"] > 0, "while joined, the phone holds its token in sessionStorage"


@pytest.mark.parametrize("how", ["leave", "end"])
def test_the_phone_keeps_nothing(harness: Harness, server: LiveServer, how: str) -> None:
    room = create_room(server)
    phone = join_by_link(harness, room)
    answer_something(server, room, phone)
    phone.evaluate(PLANT)
    assert traces(phone)["local"] == 1 and traces(phone)["caches"] == ["planted"]
    if how == "leave":
        phone.get_by_role("button", name="More").click()
        leave(phone)
        expect(phone.get_by_role("heading", name="You have left")).to_be_visible()
    else:
        with connect(server.ws_url, origin=server.base_url, compression=None) as ws:
            ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "role": "facilitator",
                        "code": room["code"],
                        "credential": room["facilitator_credential"],
                    }
                )
            )
            ws.send(json.dumps({"type": "end", "id": secrets.randbelow(1000)}))
            while json.loads(ws.recv(timeout=10))["type"] != "ended":
                pass
        expect(phone.get_by_role("heading", name="The session has ended")).to_be_visible()
    nothing_left(phone)
