"""Every room operation, for the socket endpoint and the HTTP API alike: creating, admitting a
screen, snapshots, answers and signals, sides, leaving, facilitator commands, summaries, ending.

Commands run one pipeline: read what a command needs, apply it (pure, server/domain/rooms.py),
write it in one atomic step, publish only after the write succeeded."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from server.clock import now_ms
from server.domain.activities import TRACKS, AnswerError, answer_cells
from server.domain.codes import digest, matches, new_credential, new_join_code, normalise_code
from server.domain.rooms import Attendance, CommandError, RoomState, apply, new_room, steps
from server.domain.summary import build_summary, filename
from server.i18n import _
from server.service.membership import (
    Refused,
    Seat,
    console_admitted,
    console_replaced,
    display_credential,
    seat_participant,
)
from server.service.watch import PRESENCE_STALE_MS, StoreWatch
from server.settings import Settings
from server.store import RoomStore
from server.store.base import (
    ENDED,
    NO_SIGNALS,
    AnswerWrite,
    Submitted,
    outcome_of,
    side_of,
    side_tag,
)
from server.transport.connection import Connection
from server.transport.hub import Hub, RoomChannel
from server.wire import protocol as p
from server.wire import views as vm

log = logging.getLogger("hearth.service")

COMMIT_ATTEMPTS = 8


@dataclass(frozen=True)
class CreatedRoom:
    code: str
    facilitator_credential: str
    display_credential: str


class RoomGone(Exception):
    """The room does not exist (wrong code, ended, expired, or lost with Redis)."""


class Service:
    def __init__(self, store: RoomStore, hub: Hub, settings: Settings) -> None:
        self.store = store
        self.hub = hub
        self.settings = settings
        self.ttl = settings.room_ttl_seconds
        self.watch = StoreWatch(hub, store, self.ttl, settings.heartbeat_seconds)
        self.watch.attendance = self.attendance

    async def create_room(self, k: int | None = None) -> CreatedRoom:
        facilitator = new_credential()
        display = display_credential(facilitator)
        for _attempt in range(20):
            code = new_join_code()
            state = new_room(
                code,
                digest(facilitator),
                digest(display),
                k=k or self.settings.default_k,
                cap=self.settings.max_participants,
            )
            if await self.store.create(code, state.model_dump_json().encode(), self.ttl):
                return CreatedRoom(code, facilitator, display)
        raise RuntimeError("could not find a free join code")

    async def load(self, code: str) -> RoomState:
        state = self.hub.state(code)
        if state is not None:
            return state
        doc = await self.store.load(code)
        if doc is None:
            raise RoomGone(code)
        return RoomState.model_validate_json(doc)

    async def _fresh(self, code: str) -> RoomState:
        doc = await self.store.load(code)
        if doc is None:
            raise RoomGone(code)
        return RoomState.model_validate_json(doc)

    async def command(self, code: str, command: p.FacilitatorCommand) -> str:
        """Run a facilitator command; returns a short detail for the ack. Raises CommandError."""
        for step in steps(await self.load(code), command):
            await self._run(code, step)
        return ""

    async def _run(self, code: str, command: p.FacilitatorCommand | Attendance) -> RoomState:
        state = await self.load(code)
        for _attempt in range(COMMIT_ATTEMPTS):
            tally, texts = None, []
            live = state.live
            if isinstance(command, p.Reveal) and live is not None:
                tally = await self.store.tally(code, live.id)
            if isinstance(command, p.Close) and live is not None and live.status == "open":
                texts = await self.store.texts(code, live.id)
            new = apply(state, command, now_ms(), tally=tally, texts=texts)
            new.version = state.version + 1
            if await self._commit(code, state.version, new):
                return new
            state = await self._fresh(code)  # someone else wrote first: re-apply on theirs
        raise CommandError("busy", _("The room is busy; try again."))

    async def _commit(self, code: str, expected_version: int, new: RoomState) -> bool:
        """Write `new` if the room is still at `expected_version`; on success every local
        screen gets it at once: from the store's reply as it is read (on Redis, a turn of the
        loop before this coroutine resumes), not after. Its own publication comes back too,
        sometimes first: the hub knows the document, so it is not parsed again."""
        doc = new.model_dump_json().encode()
        self.hub.expect_echo(new, doc)
        return await self.store.commit(
            code, expected_version, doc, new.accepting, self.ttl, lambda: self.hub.local_commit(new)
        )

    async def end(self, code: str) -> p.Receipt:
        """Erase every key of the room. Call announce_end afterwards (after acking the command)."""
        await self.load(code)  # raises RoomGone for a room that is not there
        room = self.hub.rooms.get(code)
        if room is not None:  # the heartbeat must not take the erasure for a lost room
            room.ending = True
        try:
            erased = await self.store.erase(code)
        except Exception:
            if room is not None:
                room.ending = False  # not erased: the heartbeat watches it again
            raise
        return p.Receipt(deleted=erased.deleted, remaining=erased.remaining, scanned_at=now_ms())

    async def announce_end(
        self, code: str, receipt: p.Receipt, reason: Literal["ended", "abandoned"] = "ended"
    ) -> None:
        """Tell every process, hence every socket of the room, that it ended (and why)."""
        ended = p.Ended(reason=reason, receipt=receipt)
        await self.store.publish(code, ENDED + ended.model_dump_json().encode())

    # -- screens -----------------------------------------------------------------------------

    async def admit(self, hello: p.Hello) -> Seat:
        """The seat a first message earns, or Refused. A wrong code and an ended room are
        refused alike."""
        code = normalise_code(hello.code)
        state = None
        if code is not None:
            try:
                state = await self.load(code)
            except RoomGone:
                state = None
        if hello.epoch is not None and (state is None or state.epoch != hello.epoch):
            # The room this screen knew is gone (or its code was reused after Redis lost
            # everything): never join it to a stranger's room.
            raise Refused("lost")
        if code is None or state is None:
            raise Refused("no_room")
        if hello.role == "participant":
            return await seat_participant(self.store, state, hello, self.ttl)
        if not console_admitted(hello, state):
            raise Refused("replaced" if console_replaced(hello, state) else "unauthorised")
        return Seat(code, hello.role, credential_digest=digest(hello.credential or ""))

    async def attach(self, seat: Seat, conn: Connection) -> RoomChannel | None:
        """Put an admitted screen's socket in its room (None: the room is gone)."""
        return await self.watch.attach(seat.code, conn)

    async def detach(self, seat: Seat, conn: Connection) -> None:
        await self.watch.detach(seat.code, conn)

    async def snapshot(self, seat: Seat, on_join: bool = False) -> str | None:
        """The encoded snapshot for one screen; a participant's carries its own facts."""
        return self.hub.snapshot(seat.code, seat.audience, await self._you(seat, on_join))

    async def _you(self, seat: Seat, on_join: bool) -> vm.You | None:
        if seat.role != "participant" or seat.who is None:
            return None
        state = self.hub.state(seat.code)
        live = state.live if state else None
        signals = NO_SIGNALS  # a newcomer has answered and signalled nothing
        if not (on_join and seat.newcomer):
            # A phone back after its tab closed shows its answer and the signals the room still
            # counts: one read.
            signals = await self.store.signals(seat.code, seat.who, live.id if live else None)
        track = seat.track  # on join it was read a moment ago; on sync it may have changed
        if not on_join and seat.token is not None:
            tag = await self.store.member(seat.code, seat.who)
            track = side_of(tag or "", seat.token, TRACKS)
        return vm.You(
            answered=signals.answered, track=track or None, pause=signals.pause, word=signals.word
        )

    async def summary_file(self, code: str, request: p.SummaryRequest) -> p.SummaryFile:
        summary = build_summary(await self.load(code), request.title)
        return p.SummaryFile(id=request.id, filename=filename(summary), summary=summary)

    # -- participants ------------------------------------------------------------------------

    async def participant(self, seat: Seat, message: p.ParticipantMessage) -> str | None:
        """A participant's answer or signal; the detail of the ack to send, if one is due.
        Raises CommandError."""
        assert seat.who is not None and seat.token is not None
        match message:
            case p.Answer():
                return await self.answer(seat, message)
            case p.PauseSignal(on=on):
                await self.pause(seat.code, seat.who, on)
            case p.WordSignal(on=on):
                await self.word(seat.code, seat.who, on)
            case p.ChooseTrack(track=track):
                await self.choose_side(seat, track)
            case p.Leave(activity=activity, ballot=ballot):
                # Made in one turn: on Redis one pipeline (answer first), not two round trips.
                leaving = [self.store.leave(seat.code, seat.who)]
                if activity is not None and ballot is not None:
                    leaving.insert(0, self.take_back(seat, activity, ballot))
                await asyncio.gather(*leaving)
                self.watch.answers_changed(seat.code)
        return None

    async def take_back(self, seat: Seat, activity: str, ballot_secret: str) -> None:
        """Someone leaving takes their answer to the activity still taking answers with them: a
        phone that left and joined again is a new person to the room, and would otherwise count
        twice. Answers to activities already closed stay (nothing is shown or revealed twice)."""
        assert seat.who is not None
        ballot, sides = seat.ballot(ballot_secret)
        await self.store.withdraw(seat.code, activity, seat.who, ballot, self.ttl, sides)

    async def choose_side(self, seat: Seat, track: str) -> None:
        assert seat.who is not None and seat.token is not None
        if not (await self.load(seat.code)).tracks:
            raise CommandError("no_tracks", _("This session does not use tracks."))
        await self.store.set_side(seat.code, seat.who, side_tag(seat.token, track), self.ttl)
        seat.track = track

    async def answer(self, seat: Seat, message: p.Answer) -> str:
        """Store a participant's answer. Returns "stored" or raises CommandError."""
        state = await self.load(seat.code)
        submitted = await outcome_of(self.store.submit_then, self._answer(seat, message, state))
        return self._stored(seat.code, submitted)

    def answer_then(
        self,
        seat: Seat,
        message: p.Answer,
        state: RoomState,
        done: Callable[[str | Exception], None],
    ) -> None:
        """`answer`, for a room whose state is at hand (`hub.state`), its outcome ("stored", a
        CommandError, the store's error) handed to `done` rather than awaited: at once on the
        embedded store, from the reply on Redis. Raises CommandError before storing anything,
        as `answer` does."""
        code = seat.code

        def stored(outcome: Submitted | Exception) -> None:
            if isinstance(outcome, Exception):
                done(outcome)
                return
            try:
                detail = self._stored(code, outcome)
            except CommandError as refused:
                done(refused)
                return
            done(detail)

        self.store.submit_then(self._answer(seat, message, state), stored)

    def _answer(self, seat: Seat, message: p.Answer, state: RoomState) -> AnswerWrite:
        """The answer as the store takes it. Raises CommandError."""
        assert seat.who is not None
        live = state.live
        if live is None or live.id != message.activity or state.accepting != live.id:
            raise CommandError("closed", _("This activity is not taking answers any more."))
        try:
            cells, text = answer_cells(live.activity, message.value)
        except AnswerError as exc:
            raise CommandError("bad_answer", exc.args[0]) from None
        # Also when tracks were just turned off: a change of mind leaves the side it was on.
        # Which side the person is on is the seat's guess (the store checks it).
        ballot, sides = seat.ballot(message.ballot)
        return AnswerWrite(seat.code, live.id, seat.who, ballot, cells, text, self.ttl, sides)

    def _stored(self, code: str, result: Submitted) -> str:
        """The ack's detail for a stored answer. Raises CommandError for one the store refused."""
        if result.status == "closed":
            raise CommandError("closed", _("This activity is not taking answers any more."))
        if result.status == "unknown":
            raise CommandError("unknown", _("The room does not know this phone; rejoin."))
        if result.status == "conflict":
            raise CommandError("conflict", _("An answer from this phone is already stored."))
        self.watch.answers_changed(code)
        return "stored"

    async def pause(self, code: str, who: str, on: bool) -> None:
        await self.store.set_pause(code, who, on, self.ttl)
        self.watch.answers_changed(code)

    async def word(self, code: str, who: str, on: bool) -> None:
        await self.store.set_word(code, who, on, self.ttl)
        self.watch.answers_changed(code)

    # -- consoles ----------------------------------------------------------------------------

    async def rekey_facilitator(self, code: str) -> str:
        """A new facilitator credential for a running room (re-entry from `hearth link`): the
        old one stops working, so a console left open elsewhere is shut out."""
        credential = new_credential()
        await self._rekey(code, "facilitator", digest(credential))
        return credential

    async def display_for(self, code: str, facilitator_credential: str) -> str | None:
        """The display credential for a console holding the facilitator's credential (None:
        it does not). The server keeps only digests, so after re-entry it cannot hand back the
        display credential the room had: the room's display credential is then replaced by the
        one made from the facilitator's (display_credential), once. The replaced one still
        admits a display, so a projector already up keeps working, but it makes no links; the
        one it had replaced before is retired. Raises RoomGone."""
        credential = display_credential(facilitator_credential)
        wanted = digest(credential)
        state = await self._fresh(code)
        for _attempt in range(COMMIT_ATTEMPTS):
            if not matches(facilitator_credential, state.facilitator_digest):
                return None  # replaced meanwhile (re-entry elsewhere): this console is out
            if matches(credential, state.display_digest):
                return credential
            new = state.model_copy(
                update={
                    "display_digest": wanted,
                    "previous_display_digest": state.display_digest,
                    "version": state.version + 1,
                }
            )
            if await self._commit(code, state.version, new):
                return credential
            state = await self._fresh(code)
        raise CommandError("busy", _("The room is busy; try again."))

    async def new_cofacilitator(self, code: str) -> str:
        """A co-facilitator credential (a new one replaces the last)."""
        credential = new_credential()
        await self._rekey(code, "cofacilitator", digest(credential))
        return credential

    async def _rekey(self, code: str, role: str, wanted: str) -> None:
        state = await self._fresh(code)
        for _attempt in range(COMMIT_ATTEMPTS):
            old = getattr(state, f"{role}_digest")
            replaced = {**state.replaced_digests, **({role: old} if old else {})}
            update = {f"{role}_digest": wanted, "replaced_digests": replaced}
            new = state.model_copy(update={**update, "version": state.version + 1})
            if await self._commit(code, state.version, new):
                return
            state = await self._fresh(code)
        raise CommandError("busy", _("The room is busy; try again."))

    async def attendance(self, room: RoomChannel) -> None:
        """Called each second per local room: mark a room whose facilitator consoles are all
        gone as away (screens say so), back when one returns, and end it, erased, once it has
        been away for facilitator_grace_seconds."""
        state, now = room.state, now_ms()
        if state is None:
            return
        here = await self.store.connected(room.code, now - PRESENCE_STALE_MS, "fc")
        away_since = state.facilitator_away_since_ms
        if here:
            room.unattended_since_ms = None
            if away_since is not None:
                await self._run(room.code, Attendance(None))
            return
        if room.unattended_since_ms is None:
            room.unattended_since_ms = now
        if away_since is None:
            if now - room.unattended_since_ms >= self.settings.facilitator_away_seconds * 1000:
                await self._run(room.code, Attendance(room.unattended_since_ms))
            return
        if now - away_since >= self.settings.facilitator_grace_seconds * 1000:
            log.info("a room ended by itself: no facilitator came back in time")
            receipt = await self.end(room.code)
            await self.announce_end(room.code, receipt, "abandoned")
