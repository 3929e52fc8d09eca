"""The room domain, pure: RoomState and apply(state, command) -> new state. No I/O here.

The service reads what a command needs from the store (a tally, the open-text answers) and
passes it in; the store writes the returned state in one atomic step.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.domain.activities import Activity, CheckIn, Poll, Scale, accepts_answers
from server.domain.errors import CommandError as CommandError
from server.domain.interruptions import checkin_now, grounding_now
from server.domain.paper import PaperError, counted, known, paper_cells, takes_paper
from server.domain.plans import Plan
from server.domain.projection import Projection, project
from server.domain.results import Results, clamp_k, compute
from server.domain.timer import TimerState, apply_timer, never_started, standing_still, timer_for
from server.domain.trends import Trend, rethreshold_trend
from server.i18n import _
from server.wire import protocol as p

_shuffler = secrets.SystemRandom()
ItemState = Literal["pending", "approved", "hidden"]
MODERATION: dict[str, ItemState] = {"approve": "approved", "hide": "hidden", "pending": "pending"}


class State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueuedText(State):
    id: str
    text: str
    state: ItemState = "pending"
    released: bool = False


class LiveActivity(State):
    id: str
    activity: Activity
    status: Literal["open", "closed", "revealed"] = "open"
    results: Results | None = None
    queue: list[QueuedText] = []
    released: list[str] = []
    paper: dict[str, int] = Field(default_factory=dict, description="Cells tallied from paper.")
    withheld_texts: bool = False  # closed with fewer than k written answers: none was queued
    projection: Projection = Field(default_factory=Projection)


class SetAside(State):
    """An activity an interruption (a check-in, grounding) set aside, with its timer paused."""

    live: LiveActivity
    timer: TimerState | None = None
    timer_was_running: bool = False


class RunSheetState(State):
    plan: Plan
    index: int = -1


class RoomState(State):
    code: str
    epoch: str
    version: int = 0
    created_on: str = Field(description="Date only (YYYY-MM-DD): no finer time is kept.")
    k: int = 5
    locked: bool = False
    cap: int = 300
    tracks: bool = False
    split: bool = False
    blank: bool = False
    facilitator_digest: str
    display_digest: str
    previous_display_digest: str | None = Field(
        default=None,
        description="The display credential the last one replaced (server/service/rooms.py "
        "display_for): it still admits a display, but makes no links.",
    )
    cofacilitator_digest: str | None = None
    replaced_digests: dict[str, str] = Field(
        default_factory=dict,
        description="By role, the console credential the current one replaced (a newer link): "
        "it admits nothing, but a console back with it is told it was opened somewhere else.",
    )
    facilitator_away_since_ms: int | None = Field(
        default=None, description="Set while no facilitator console is connected anywhere."
    )
    support_card: str = ""  # in its first language, `support_lang`
    support_lang: str | None = None
    support_translations: dict[str, str] = Field(default_factory=dict)
    runsheet: RunSheetState | None = None
    next_seq: int = 1
    live: LiveActivity | None = None
    set_aside: SetAside | None = None
    timer: TimerState | None = None
    history: list[dict[str, object]] = []
    trend: Trend | None = None

    @property
    def accepting(self) -> str | None:
        """The live activity id while it takes answers: the store checks answers against it."""
        live = self.live
        if live and live.status == "open" and accepts_answers(live.activity):
            return live.id
        return None


def new_room(
    code: str, facilitator_digest: str, display_digest: str, k: int, cap: int
) -> RoomState:
    return RoomState(
        code=code,
        epoch=secrets.token_hex(8),
        created_on=datetime.now(UTC).date().isoformat(),
        k=clamp_k(k),
        cap=cap,
        facilitator_digest=facilitator_digest,
        display_digest=display_digest,
    )


def _open(s: RoomState, activity: Activity, interrupt: bool, now_ms: int) -> None:
    """Put an activity live. An interruption sets the live one aside (its answers stay in the
    store under its id, its timer paused) unless something is set aside already; any other
    open forgets what was set aside."""
    if interrupt and s.live is not None and s.set_aside is None:
        timer, running = s.timer, bool(s.timer and s.timer.running)
        if timer is not None and running:
            timer = apply_timer(timer, "pause", None, now_ms)
        s.set_aside = SetAside(live=s.live, timer=timer, timer_was_running=running)
    elif not interrupt:
        s.set_aside = None
    s.live = LiveActivity(id=f"a{s.next_seq}", activity=activity)
    s.next_seq += 1
    s.timer = timer_for(activity)
    s.trend = None


def _require_live(state: RoomState) -> LiveActivity:
    if state.live is None:
        raise CommandError("no_activity", _("No activity is live."))
    return state.live


@dataclass(frozen=True)
class Attendance:
    """Not a client message: the server marks a room whose facilitator is away, or back."""

    away_since_ms: int | None


def steps(state: RoomState, command: p.FacilitatorCommand) -> list[p.FacilitatorCommand]:
    """The commits a command takes. Revealing an open activity closes it first, in a commit of
    its own: answers stop being taken before the tally is read, so every answer acknowledged
    is in what is revealed."""
    live = state.live
    if isinstance(command, p.Reveal) and live is not None and live.status == "open":
        return [p.Close(type="close", id=command.id), command]
    return [command]


# Commands whose change is to set fields of the room itself, never a field inside one of them
# (tests/test_rooms.py checks that no command changes the state it was given).
TOP_LEVEL_ONLY = (
    p.Open,
    p.GroundingNow,
    p.CheckInNow,
    p.Resume,
    p.Clear,
    p.Screen,
    p.TimerCommand,
    p.SupportCard,
    Attendance,
)


def apply(
    state: RoomState,
    command: p.FacilitatorCommand | Attendance,
    now_ms: int,
    tally: Mapping[str, int] | None = None,
    texts: Sequence[tuple[str, str]] = (),
) -> RoomState:
    """Return the state after a facilitator command. `tally` is needed for reveal; `texts`
    (item id, text) for close of an open-text activity."""
    # The caller keeps `state`, so nothing of it is changed in place. A command that only sets
    # the room's own fields works on a shallow copy (what it shares with `state` is never
    # changed afterwards: every other command works on a deep copy); the rest on a deep copy
    # made by a JSON round trip in pydantic-core, a third of copy.deepcopy's time. The shallow
    # copy takes 14 us (two thirds) off opening an activity, before the first phone hears of it.
    if isinstance(command, TOP_LEVEL_ONLY):
        s = state.model_copy()
    else:
        s = RoomState.model_validate_json(state.model_dump_json())
    match command:
        case p.Open(activity=activity, interrupt=interrupt):
            _open(s, activity, interrupt, now_ms)
        case p.CheckInNow(lang=lang):
            _open(s, checkin_now(lang), True, now_ms)
        case p.GroundingNow(lang=lang):
            _open(s, grounding_now(lang), True, now_ms)
            if s.timer is not None:  # the pacer runs at once: no extra tap in a hard moment
                s.timer = apply_timer(s.timer, "start", None, now_ms)
        case p.Resume():
            if s.set_aside is None:
                raise CommandError("nothing_set_aside", _("No activity is waiting to come back."))
            back = s.set_aside
            s.live, s.timer, s.set_aside = back.live, back.timer, None
            if s.timer is not None and back.timer_was_running:
                s.timer = apply_timer(s.timer, "resume", None, now_ms)
        case Attendance(away_since_ms=since):
            s.facilitator_away_since_ms = since
        case p.SupportCard(text=text, lang=lang, translations=translations):
            s.support_card, s.support_lang = text.strip(), lang
            s.support_translations = {
                tag: words.strip() for tag, words in translations.items() if words.strip()
            }
        case p.RunSheet(plan=plan, index=index) if "plan" not in command.model_fields_set:
            if s.runsheet is not None:  # only the step moved
                s.runsheet.index = index
        case p.RunSheet(plan=plan, index=index):
            s.runsheet = RunSheetState(plan=plan, index=index) if plan is not None else None
        case p.Close():
            live = _require_live(s)
            if live.status != "open":
                raise CommandError("not_open", _("The activity is already closed."))
            _close(live, texts, s.k)
            if never_started(s.timer):  # "3:00, not started" beside the results says nothing
                s.timer = None
        case p.Reveal():
            live = _require_live(s)
            if live.status == "open":
                raise CommandError("still_open", _("Close the activity before revealing it."))
            if live.status == "revealed":
                return s  # frozen: revealing again (after a change of k or split) shows no more
            if tally is None:
                raise CommandError("no_tally", _("No tally to reveal."))
            live.status = "revealed"
            live.results = results_for(s, live, tally)
            _record(s, live, results=live.results.model_dump())
        case p.Clear():
            s.live = None
            s.timer = None
        case p.TimerCommand(action=action, seconds=seconds):
            s.timer = apply_timer(s.timer, action, seconds, now_ms)
        case p.Screen(blank=blank):
            s.blank = blank
        case p.ShowText() | p.Pages():
            live = _require_live(s)
            live.projection = project(live.projection, command, now_ms)
        case p.Configure(k=k, locked=locked, cap=cap, tracks=tracks, split=split):
            current = s.live
            collecting = (
                current is not None
                and current.status != "revealed"
                and accepts_answers(current.activity)
            )
            split_before = s.split and s.tracks
            split_after = (s.split if split is None else split) and (
                s.tracks if tracks is None else tracks
            )
            if (
                k is not None
                and clamp_k(k) != s.k
                and current is not None
                and current.status == "closed"
            ):
                # The console previews a closed activity: a second k would be a second look.
                raise CommandError(
                    "k_fixed", _("Change k after revealing or clearing, not between.")
                )
            if collecting and split_after != split_before:
                # Seeing the same answers both whole and split would let one subtract the other.
                raise CommandError(
                    "split_fixed", _("Change the split between activities, not while one is live.")
                )
            if k is not None:
                s.k = clamp_k(k)
            if locked is not None:
                s.locked = locked
            if cap is not None:
                s.cap = cap
            if tracks is not None:
                s.tracks = tracks
            if split is not None:
                s.split = split
        case p.Moderate(item=item_id, action=action):
            live = _require_live(s)
            item = next((q for q in live.queue if q.id == item_id), None)
            if item is None:
                raise CommandError("no_item", _("No such answer in the queue."))
            if item.released:
                raise CommandError("released", _("That answer has already been released."))
            item.state = MODERATION[action]
        case p.Release():
            live = _require_live(s)
            batch = [q for q in live.queue if q.state == "approved" and not q.released]
            if not batch:
                raise CommandError("nothing_approved", _("Approve answers before releasing them."))
            if len(live.queue) < s.k:
                # As with results: fewer than k writers, and a text may point to its author.
                raise CommandError(
                    "too_few",
                    _("Fewer than {k} answers were written; nothing can be released.", k=s.k),
                )
            texts_out = [q.text for q in batch]
            _shuffler.shuffle(texts_out)
            for q in batch:
                q.released = True
            live.released = [*live.released, *texts_out]
            _record(s, live, texts=texts_out)
            if standing_still(s.timer, now_ms):  # "5:41 paused" beside the answers says nothing
                s.timer = None
        case p.PaperAnswers(activity=activity_id, counts=counts, sheets=sheets):
            live = _require_live(s)
            if live.id != activity_id:
                raise CommandError("closed", _("That activity is no longer live."))
            if live.status != "open":
                # Once closed the console shows a preview: paper typed in after it would let
                # the facilitator compare two looks at the same phones' answers.
                raise CommandError(
                    "closed", _("Paper answers can be added only while answers are open.")
                )
            if not takes_paper(live.activity):
                raise CommandError("bad_paper", _("Paper answers fit polls, scales and check-ins."))
            if s.split and s.tracks:
                raise CommandError(
                    "split", _("Paper answers have no side: add them when results are not split.")
                )
            try:
                live.paper = paper_cells(live.activity, counts, sheets)
            except PaperError as exc:
                raise CommandError("bad_paper", exc.args[0]) from None
        case p.ShowTrend(trend=trend):
            s.trend = rethreshold_trend(trend, s.k) if trend is not None else None
    return s


def _close(live: LiveActivity, texts: Sequence[tuple[str, str]], k: int) -> None:
    live.status = "closed"
    if len(texts) < k:
        # Fewer than k wrote: none could be released, and the facilitator, who watched the
        # count rise, could tell who wrote a text it was shown. So nobody reads them.
        live.withheld_texts = bool(texts)
        return
    # Shuffled once, here: the queue's order says nothing of who wrote first.
    live.queue = [QueuedText(id=item_id, text=text) for item_id, text in texts]
    _shuffler.shuffle(live.queue)


def results_for(state: RoomState, live: LiveActivity, tally: Mapping[str, int]) -> Results:
    """The thresholded results of the live activity: phones' and paper answers together. The
    preview (server/transport/hub.py) and the reveal both come through here."""
    cells = counted(tally, live.paper)
    return compute(live.activity, cells, state.k, state.split and state.tracks, known(live.paper))


def _record(
    state: RoomState, live: LiveActivity, results: object = None, texts: Sequence[str] = ()
) -> None:
    """Keep what was revealed or released in the activity's history entry (one per activity),
    for the facilitator's console and the summary file."""
    entry = next((e for e in state.history if e.get("id") == live.id), None)
    if entry is None:
        activity = live.activity
        entry = {
            "id": live.id,
            "kind": activity.kind,
            "title": activity.title,
            "text": activity.text,
            "theme": activity.theme,
            "labels": _labels(activity),
            "results": None,
            "texts": [],
            "by_hand": False,
        }
        state.history.append(entry)
    if results is not None:
        entry["results"] = results
        entry["by_hand"] = bool(live.paper)
    if texts:
        entry["texts"] = [*entry["texts"], *texts]  # type: ignore[misc]


def _labels(activity: Activity) -> list[str]:
    """The answer labels, kept so a summary lines up weeks even when a result was not shown."""
    if isinstance(activity, (Poll, CheckIn)):
        return list(activity.options)
    if isinstance(activity, Scale):
        return [str(value) for value in range(1, activity.points + 1)]
    return []
