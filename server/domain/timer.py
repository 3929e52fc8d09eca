"""The room's one timer (reflections, grounding, or started by hand): pure, like the domain."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from server.domain.activities import Activity, Grounding, Reflection
from server.domain.errors import CommandError
from server.i18n import _


class TimerState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    running: bool = False
    duration_ms: int
    deadline_ms: int | None = None
    remaining_ms: int


def never_started(timer: TimerState | None) -> bool:
    return timer is not None and not timer.running and timer.remaining_ms == timer.duration_ms


def standing_still(timer: TimerState | None, now_ms: int) -> bool:
    """Paused, stopped or run out: a clock that no longer measures anything the room does."""
    if timer is None:
        return False
    return not timer.running or (timer.deadline_ms is not None and timer.deadline_ms <= now_ms)


def timer_for(activity: Activity) -> TimerState | None:
    if isinstance(activity, (Reflection, Grounding)):
        ms = activity.seconds * 1000
        return TimerState(duration_ms=ms, remaining_ms=ms)
    return None


def apply_timer(
    timer: TimerState | None, action: str, seconds: int | None, now: int
) -> TimerState | None:
    if action == "start":
        if seconds is None and timer is None:
            raise CommandError("no_duration", _("Say how many seconds the timer runs."))
        duration = seconds * 1000 if seconds is not None else timer.duration_ms  # type: ignore[union-attr]
        return TimerState(
            running=True, duration_ms=duration, deadline_ms=now + duration, remaining_ms=duration
        )
    ms = (seconds or 60) * 1000
    if timer is None:
        raise CommandError("no_timer", _("No timer is set."))
    t = timer.model_copy()
    if action == "stop":
        return None
    if action == "pause":
        if not t.running or t.deadline_ms is None:
            raise CommandError("not_running", _("The timer is not running."))
        t.remaining_ms = max(0, t.deadline_ms - now)
        t.running, t.deadline_ms = False, None
    elif action == "resume":
        if t.running:
            raise CommandError("running", _("The timer is already running."))
        t.running, t.deadline_ms = True, now + t.remaining_ms
    elif action == "extend":
        t.duration_ms += ms
        if t.running and t.deadline_ms is not None:
            t.deadline_ms += ms
        else:
            t.remaining_ms += ms
    return t
