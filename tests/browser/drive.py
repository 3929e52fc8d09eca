"""Drive a room over its WebSocket from a browser test, while real browsers render it, and
bring phones in through the join page in a language."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect
from websockets.sync.client import ClientConnection, connect

from server.http.catalogue_routes import page_catalogue
from tests.browser.harness import PHONE, Harness
from tests.support import LiveServer

# The browser language that gets each shipped language.
LOCALES = {
    "en": "en-US",
    "es": "es-ES",
    "fr": "fr-FR",
    "de": "de-DE",
    "pt_BR": "pt-BR",
    "ar": "ar-EG",
}


class Screen:
    """A synchronous WebSocket screen for driving the room while browsers render it."""

    def __init__(self, live: LiveServer, hello: dict[str, Any]) -> None:
        self.ws: ClientConnection = connect(
            live.ws_url,
            origin=live.base_url,
            compression=None,
            legacy=True,
            max_queue=None,  # a phone that stops reading never holds up its own close
            close_timeout=1,
        )
        self.ws.send(json.dumps({"type": "hello", **hello}))
        self.ids = 0
        self.view: dict[str, Any] = {}

    def until(self, predicate: Any) -> dict[str, Any]:
        deadline = time.monotonic() + 10
        while True:
            message = json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message["type"] == "snapshot":
                self.view = message["view"]
            elif message["type"] == "update":
                self.view.update(message["changes"])
            if predicate(message):
                return message

    def command(self, message: dict[str, Any]) -> dict[str, Any]:
        self.ids += 1
        self.ws.send(json.dumps({**message, "id": self.ids}))
        reply = self.until(lambda m, i=self.ids: m.get("id") == i)
        assert reply["type"] == "ack", reply
        return reply

    def answer(self, activity: str, value: dict[str, Any]) -> None:
        """As a participant: answer the live activity with a fresh ballot."""
        ballot = secrets.token_urlsafe(16)
        self.command({"type": "answer", "activity": activity, "ballot": ballot, "value": value})

    def answer_next(self, value: dict[str, Any]) -> None:
        """As a participant: wait for the next activity to open, then answer it."""
        view = self.until(lambda m: m["type"] == "update" and "activity" in m["changes"])
        self.answer(view["changes"]["activity"]["id"], value)

    def close(self) -> None:
        self.ws.close()


def new_room(live: LiveServer, k: int = 3) -> dict[str, Any]:
    """A room made through the API, with one-time console and display links."""
    response = httpx.post(
        live.base_url + "/api/rooms",
        headers={"Authorization": f"Bearer {live.settings.host_secret}"},
        json={"k": k},
    )
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def facilitator(live: LiveServer, room: dict[str, Any]) -> Screen:
    hello = {
        "role": "facilitator",
        "code": room["code"],
        "credential": room["facilitator_credential"],
    }
    screen = Screen(live, hello)
    screen.until(lambda m: m["type"] == "snapshot")
    return screen


def phones(live: LiveServer, room: dict[str, Any], count: int) -> list[Screen]:
    out = []
    for _ in range(count):
        phone = Screen(live, {"role": "participant", "code": room["code"]})
        phone.until(lambda m: m["type"] == "snapshot")
        out.append(phone)
    return out


def say(lang: str, msgid: str) -> str:
    """A page string as the catalogue has it in `lang` (English is the msgid itself)."""
    text: Any = page_catalogue(lang)["messages"].get(msgid) or msgid
    return str(text)


def phone_joined(
    harness: Harness, code: str, lang: str, width: int = 360, height: int = 740
) -> Page:
    """A phone whose browser speaks `lang`, joined through the room's link, in that language."""
    viewport = {"width": width, "height": height}
    page = harness.page(**{**PHONE, "viewport": viewport}, locale=LOCALES[lang])
    page.goto(f"/join#{code}")
    page.get_by_role("button", name=say(lang, "Join"), exact=True).click()
    expect(page.get_by_role("heading", name=say(lang, "You're in"))).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == lang
    return page


# Resolves once the phone's page has not scrolled for three frames. An answer's status glides
# into view (participant/static/phone-place.js) from two frames after it is stored: a click
# whose point was taken just before would land where the button was.
STILL = """() => new Promise((done) => {
  const main = document.querySelector('main');
  let last = main.scrollTop, same = 0;
  const look = () => {
    if (main.scrollTop === last) same += 1; else { same = 0; last = main.scrollTop; }
    if (same >= 3) done(true); else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})"""


def press_when_still(page: Page, name: str) -> None:
    """Press a phone's button once a glide the last answer started has ended."""
    page.evaluate(STILL)
    page.get_by_role("button", name=name, exact=True).click()


def largest_text(page: Page, lang: str = "en") -> None:
    """A joined phone at its largest text: More, Larger text twice, Close."""
    page.get_by_role("button", name=say(lang, "More"), exact=True).click()
    for _ in range(2):
        page.get_by_role("button", name=say(lang, "Larger text")).click()
    page.get_by_role("button", name=say(lang, "Close"), exact=True).click()


# Records the type of every message the page sends from now on, at its WebSocket: every path
# that sends (a button, a key, a dialog) passes there.
RECORD_SENT = """() => {
  window.sentTypes = [];
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    window.sentTypes.push(JSON.parse(data).type);
    return send.call(this, data);
  };
}"""


def record_sent(page: Page) -> None:
    page.evaluate(RECORD_SENT)


def sent(page: Page, kind: str) -> int:
    """How many messages of this type the page sent since `record_sent`."""
    return int(page.evaluate("(kind) => window.sentTypes.filter((t) => t === kind).length", kind))


def press_twice(button: Locator) -> None:
    """Two presses in one turn of the page, before any reply can come: a double click or a
    double tap as it lands on a slow connection."""
    button.evaluate("b => { b.click(); b.click(); }")


def leave(phone: Page) -> None:
    """Leave, from the open More menu: and Leave again in the question that asks first."""
    phone.get_by_role("button", name="Leave").click()
    asked = phone.get_by_role("dialog", name="Leave this session?")
    expect(asked.get_by_role("button", name="Stay")).to_be_focused()
    asked.get_by_role("button", name="Leave").click()
