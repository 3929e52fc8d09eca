"""Answers on paper, for people without a phone. The facilitator counts the slips and enters a
tally per option (or per scale value) while the activity is open; it lives in the room state
beside the live activity, never in the answer store, and is added to the phones' tally in one
place (`counted`) for the preview and the reveal alike.

Whoever typed them in knows those answers one by one, so they cannot help hide anyone else's:
a result that includes them is held to k plus their number, in exact counts
(server/domain/results.py `compute`, `known`), and they can be entered only while no preview
exists (before closing), so no two looks differ by them. The summary marks such a result as
including answers added by hand."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from server.domain.activities import CheckIn, Poll, Scale
from server.i18n import _

MAX_PER_CELL = 1000


class PaperError(ValueError):
    """A tally that does not fit the activity."""


def takes_paper(activity: BaseModel) -> bool:
    return isinstance(activity, (Poll, Scale, CheckIn))


def paper_cells(activity: BaseModel, counts: list[int], sheets: int | None) -> dict[str, int]:
    """The tally cells ("n", "o:2", "v:4") for counts given per option or scale value."""
    if isinstance(activity, (Poll, CheckIn)):
        size, prefix, first = len(activity.options), "o:", 0
    elif isinstance(activity, Scale):
        size, prefix, first = activity.points, "v:", 1
    else:
        raise PaperError(_("Paper answers can be added to polls, scales and check-ins only."))
    if len(counts) != size:
        raise PaperError(_("Give one count for each of the {n} answers.", n=size))
    if any(c < 0 or c > MAX_PER_CELL for c in counts):
        raise PaperError(_("Each count is between 0 and {n}.", n=MAX_PER_CELL))
    multiple = isinstance(activity, Poll) and activity.multiple
    people = sum(counts)
    if multiple:
        if sheets is None:
            raise PaperError(_("Say how many paper answers there were (people can tick several)."))
        if sheets > people or (people and sheets < max(counts)) or (sheets == 0 and people):
            raise PaperError(_("That many sheets cannot give those ticks."))
        people = sheets
    cells = {f"{prefix}{first + i}": c for i, c in enumerate(counts) if c}
    if people:
        cells["n"] = people
    return cells


def known(paper: Mapping[str, int]) -> int:
    """How many answers came from paper (people, not ticks): the answers the facilitator knows."""
    return paper.get("n", 0)


def counted(tally: Mapping[str, int], paper: Mapping[str, int]) -> dict[str, int]:
    """The phones' tally with the paper answers added: what results are computed from."""
    merged = dict(tally)
    for cell, count in paper.items():
        merged[cell] = merged.get(cell, 0) + count
    return merged
