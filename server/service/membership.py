"""Who a socket is: the service's admission of a first message, and the seat it gives.

The socket endpoint (server/transport/endpoint.py) hands the hello over and gets back a Seat,
or a Refusal that it turns into an error frame and a close code; it never reads the store."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from server.domain.activities import TRACKS
from server.domain.codes import digest, matches, new_credential
from server.domain.rooms import RoomState
from server.store import RoomStore
from server.store.base import PersonTags, Sides, person_tags, side_of
from server.wire import protocol as p

RefusalReason = Literal["lost", "no_room", "gone", "unauthorised", "replaced", "locked", "full"]


class Refused(Exception):
    """The hello is not admitted. `lost`: the room this screen knew is gone; `gone`: it ended
    while this phone was joining; `no_room` and `unauthorised` count as failed attempts."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason


@dataclass
class Seat:
    """An admitted socket: its room and role, and for a participant who they are. The token
    stays in this process's memory only: it reads the person's side tag."""

    code: str
    role: p.Role
    credential_digest: str = ""  # a console's: a later re-key shuts this console out
    who: str | None = None
    token: str | None = None
    track: str = ""  # as read from the store when the participant joined
    newcomer: bool = False  # nothing answered, no side yet: its first snapshot reads nothing
    issued_token: str | None = None  # a new participant's token, for the welcome
    person_tags: PersonTags | None = None  # its token's side tags (store.base.person_tags)

    @property
    def audience(self) -> str:
        """Which views it receives: a co-facilitator's console sees the facilitator's."""
        return "facilitator" if self.role == "cofacilitator" else self.role

    @property
    def console(self) -> str:
        return "co" if self.role == "cofacilitator" else "lead"

    def ballot(self, secret: str) -> tuple[str, Sides]:
        """A participant's ballot as the store knows it (the digest of the phone's secret), and
        the side tags that find the side its answer is counted on: to answer, or take it back."""
        if self.person_tags is None:  # made once per seat: the token does not change
            assert self.token is not None
            self.person_tags = person_tags(self.token, TRACKS)
        return hashlib.sha256(secret.encode()).hexdigest(), Sides(
            self.person_tags, secret, TRACKS, self.track
        )


def display_credential(facilitator_credential: str) -> str:
    """The display credential that goes with a facilitator credential: whoever holds the
    facilitator's can always make the room's display links (the server keeps only digests, so
    it could not hand an earlier one back), and every console holding the same credential gets
    the same display. One-way: a display credential gives nothing of the facilitator's."""
    mac = hmac.new(facilitator_credential.encode(), b"hearth:display", hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def console_admitted(hello: p.Hello, state: RoomState) -> bool:
    """A facilitator's, co-facilitator's or display's credential against the room's digests.
    A display is also admitted with the credential the current one replaced (the projector that
    was up when a console came back and opened a new display keeps working); not with older."""
    expected = {
        "facilitator": (state.facilitator_digest,),
        "cofacilitator": (state.cofacilitator_digest,),
        "display": (state.display_digest, state.previous_display_digest),
    }.get(hello.role, ())
    credential = hello.credential
    return credential is not None and any(
        wanted is not None and matches(credential, wanted) for wanted in expected
    )


def console_replaced(hello: p.Hello, state: RoomState) -> bool:
    """A console back with the credential a newer link replaced while it was away (a laptop
    asleep, a tab in the background): told so, not that its credential is not valid."""
    old = state.replaced_digests.get(hello.role)
    return old is not None and hello.credential is not None and matches(hello.credential, old)


async def seat_participant(store: RoomStore, state: RoomState, hello: p.Hello, ttl: int) -> Seat:
    """A returning phone keeps its place (and is counted once); a new one joins with a fresh
    token, unless the room is locked or full."""
    code = state.code
    if hello.credential is not None:
        who = digest(hello.credential)
        tag = await store.member(code, who)
        if tag is not None:
            track = side_of(tag, hello.credential, TRACKS)
            return Seat(code, "participant", who=who, token=hello.credential, track=track)
    if state.locked:
        raise Refused("locked")
    token = new_credential()
    who = digest(token)
    status = await store.join(code, who, state.cap, ttl)
    if status != "ok":
        raise Refused("full" if status == "full" else "gone")
    return Seat(code, "participant", who=who, token=token, newcomer=True, issued_token=token)
