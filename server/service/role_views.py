"""What each role is shown of a room: one function per concern, the same for every screen.

Views are plain dicts (JSON-ready) so the hub can diff their top-level sections and encode each
role's update once per process.
"""

from __future__ import annotations

from typing import Any

from server.domain.projection import guarded, note_only, screen_view
from server.domain.rooms import RoomState
from server.wire import views as vm

Role = str
PUBLIC_FIELDS_HIDDEN = frozenset({"facilitator_notes"})


def build_view(state: RoomState, role: Role, join_url: str, qr_svg: str | None) -> vm.View:
    facilitator = role == "facilitator"
    # Blank is the display sent nothing to show, not a cover over what it was sent.
    blank_display = role == "display" and state.blank
    live = state.live if not blank_display else None
    activity = None
    results = None
    texts: list[str] = []
    note_guard = False
    if live is not None:
        definition = live.activity.model_dump()
        note_guard = guarded(definition, live.projection)
        if not facilitator:
            for hidden in PUBLIC_FIELDS_HIDDEN:
                definition.pop(hidden, None)
                for words in definition.get("translations", {}).values():
                    words.pop(hidden, None)
        if role == "display" and note_guard:
            definition = note_only(definition)  # the note first; the text when shown
        activity = vm.ActivityView(
            id=live.id,
            status=live.status,
            definition=definition,
            paper=dict(live.paper) if facilitator else None,
            withheld_texts=live.withheld_texts and facilitator,
        )
        if live.status == "revealed" and not (role == "display" and note_guard):
            results = live.results
        texts = list(live.released) if not (role == "display" and note_guard) else []
    timer = None
    if state.timer is not None and not blank_display:
        t = state.timer
        timer = vm.TimerView(
            running=t.running,
            duration_ms=t.duration_ms,
            deadline_ms=t.deadline_ms,
            remaining_ms=t.remaining_ms,
        )
    view = vm.View(
        room=vm.RoomView(
            code=state.code,
            epoch=state.epoch,
            k=state.k,
            locked=state.locked,
            tracks=state.tracks,
            split=state.split,
            join_url=join_url,
            qr_svg=qr_svg if role != "participant" else None,
            cap=state.cap if facilitator else None,
            facilitator_away=state.facilitator_away_since_ms is not None,
            cofacilitator=facilitator and state.cofacilitator_digest is not None,
        ),
        activity=activity,
        timer=timer,
        results=results,
        texts=texts,
        screen=(
            screen_view(state.blank, live.projection if live else None, note_guard)
            if role != "participant"
            else None
        ),
        queue=(
            [vm.QueueItem(id=q.id, text=q.text, state=q.state, released=q.released)
                for q in live.queue]
            if facilitator and live is not None
            else ([] if facilitator else None)
        ),
        history=list(state.history) if facilitator else None,
        trend=state.trend if role != "participant" and not blank_display else None,
        support_card=_support_card(state) if role != "display" else None,
        set_aside=_set_aside(state) if facilitator else None,
        runsheet=state.runsheet.model_dump(mode="json") if facilitator and state.runsheet else None,
    )
    return view


def _support_card(state: RoomState) -> vm.SupportCardView | None:
    if not state.support_card and not state.support_translations:
        return None
    return vm.SupportCardView(
        text=state.support_card, lang=state.support_lang, translations=state.support_translations
    )


def _set_aside(state: RoomState) -> vm.SetAsideView | None:
    if state.set_aside is None:
        return None
    live = state.set_aside.live
    activity = live.activity
    titles = {tag: words.title for tag, words in activity.translations.items() if words.title}
    return vm.SetAsideView(id=live.id, kind=activity.kind, title=activity.title, titles=titles)


def changed_sections(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    if old is None:
        return dict(new)
    return {key: value for key, value in new.items() if old.get(key) != value}
