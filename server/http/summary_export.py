"""A summary file as people read it: a printable page and a CSV for a spreadsheet.

Both are made from the summary alone, held to its k once more on the way out (the same
rethreshold as every screen), so only what the room was shown appears, in the style it was
drawn in: exact counts, words, an order, where a scale leans, bands. A count below k never
does, not even as a total to subtract from, and an option the room saw as "not shown" says so
(never "fewer than k": it may have held 0 or many). Written answers stay out of the CSV; the
page lists the ones that were released.

POST /summary       the summary (JSON, or a form field "summary") -> a readable, printable page
POST /summary.csv   the same -> CSV rows, one per option (or band) of each revealed result
GET  /summary       a page to open a saved summary file from this device
Nothing sent here is kept or logged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

import orjson
from babel.dates import format_date
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server import i18n
from server.domain.results import Result
from server.domain.summary import (
    MAX_SUMMARY_BYTES,
    Summary,
    SummaryEntry,
    filename,
    rethreshold_results,
)
from server.http import auth
from server.http.pages import templates
from server.i18n import Msg, _, say

KINDS = {
    "poll": _("Poll"),
    "scale": _("Scale"),
    "checkin": _("Check-in"),
    "words": _("Word cloud"),
    "prompt": _("Prompt"),
    "reflection": _("Reflection"),
    "grounding": _("Grounding"),
}
GROUPS = {
    None: _("Everyone"),
    "hurt": _("Partners who were hurt"),
    "caused": _("Partners who caused the hurt"),
    "unsaid": _("Side not said"),
}
BY_HAND = _("includes answers added by hand from paper")


@dataclass
class Line:
    answer: str
    count: int | float | None  # None: no number was shown
    note: str = ""
    rank: int | None = None  # leaning: the place in the order the room saw, 1 = chosen most


@dataclass
class Block:
    group: str
    shown: bool
    lines: list[Line] = field(default_factory=list)


@dataclass
class Item:
    title: str
    question: str
    kind: str
    by_hand: bool
    blocks: list[Block]
    texts: list[str]


# The room's own words for each style (shared/static/results.js), under the same msgids as the
# pages' catalogue so each language says here what it said on the screens.
NOT_SHOWN = _("not shown")
SHARE_WORDS = {
    "all of us": _("all of us"),
    "most of us": _("most of us"),
    "many of us": _("many of us"),
    "some of us": _("some of us"),
    "a few of us, or none": _("a few of us, or none"),
    "none of us": _("none of us"),
}
LEANS = {
    "low": _("The room leans low."),
    "middle": _("The room leans to the middle."),
    "high": _("The room leans high."),
}
SIDE_LEANS = {  # under a side's name, "the room" would speak for everyone
    "low": _("This side leans low."),
    "middle": _("This side leans to the middle."),
    "high": _("This side leans high."),
}
TIE = _("(as often as each other)")
FROM_MOST = _("From most to least chosen.")
NO_ORDER = _("No order can be shown at this size without hinting at how few chose something.")
# The projector says "Chosen most: A" and "Chosen less: B, C"; a row per option says it short.
CHOSEN_MOST = _("chosen most")
CHOSEN_MOST_TIED = _("chosen most, as often as each other")
CHOSEN_LESS = _("chosen less")


def _counted(result: Result, lang: str) -> list[Line]:
    """Exact counts. A withheld option may hold 0 or many (all or none are withheld), so it
    reads "not shown", never "fewer than k". A cloud's word shown without its count was on the
    screen, given by k or more (as the projector says of it), which is what it reads here."""
    hidden = NOT_SHOWN if result.kind != "words" else _("{k} or more of us", k=result.k)
    return [Line(c.label, c.count, "" if c.count is not None else say(hidden, lang))
            for c in result.cells]


def _worded(result: Result, lang: str) -> list[Line]:
    # Only the style's own words: anything else in an edited file is not what a room saw.
    return [Line(c.label, None, say(SHARE_WORDS.get(c.word or "", NOT_SHOWN), lang))
            for c in result.cells]


def _ordered(result: Result, lang: str) -> list[Line]:
    """As much of the order as the room saw: every place ("full"), the most chosen ("top"),
    or that no order could be given ("none"). Places count distinct ranks, as the projector's
    numbered list does, so equal ranks share a place."""
    ranked = [(c.rank, c) for c in result.cells if c.rank is not None]
    if result.order not in ("full", "top") or not ranked:
        return [Line("", None, say(NO_ORDER, lang))]
    if result.order == "top":
        top = [c for rank, c in ranked if rank == 1]
        most = say(CHOSEN_MOST_TIED if len(top) > 1 else CHOSEN_MOST, lang)
        less = say(CHOSEN_LESS, lang)
        return [Line(c.label, None, most, 1) if c.rank == 1 else Line(c.label, None, less)
                for c in result.cells]
    places = {rank: i for i, rank in enumerate(sorted({rank for rank, _c in ranked}), start=1)}
    sharing = [rank for rank, _c in ranked]
    lines = [
        Line(c.label, None, say(TIE, lang) if sharing.count(rank) > 1 else "", places[rank])
        for rank, c in sorted(ranked, key=lambda pair: pair[0])
    ]
    return [*lines, Line("", None, say(FROM_MOST, lang))]


def _banded(result: Result, lang: str) -> list[Line]:
    # A range as the projector writes it: "4", or low and high joined by an en dash.
    lines = [Line(f"{b.low}" if b.low == b.high else f"{b.low}\u2013{b.high}", b.count)
             for b in result.bands]
    joined = _("Neighbouring values are joined until each part holds at least {k}.", k=result.k)
    return [*lines, Line("", None, say(joined, lang))]


def _block(group: str, result: Result, lang: str, side: bool = False) -> Block:
    """One result as the room saw it, in the style it was drawn in (docs/results.md)."""
    k = result.k
    if not result.shown:
        note = say(_("fewer than {k} answered: not shown", k=k), lang)
        return Block(group, False, [Line("", None, note)])
    if result.kind == "words" or result.style == "counts":
        lines = _counted(result, lang)
    elif result.style == "words":
        lines = _worded(result, lang)
    elif result.style == "leaning" and result.lean is not None:
        lines = [Line("", None, say((SIDE_LEANS if side else LEANS)[result.lean], lang))]
    elif result.style == "leaning":
        lines = _ordered(result, lang)
    else:
        lines = _banded(result, lang)
    if result.hidden_words:
        hidden = _("words given by fewer than {k} people are not shown", k=k)
        lines.append(Line("", None, say(hidden, lang)))
    withheld = say(_("withheld, as a count is hidden"), lang) if result.answered is None else ""
    lines.append(Line(say(_("Answered"), lang), result.answered, withheld))
    if result.kind == "scale" and result.mean is not None:
        lines.append(Line(say(_("Average"), lang), result.mean))
    return Block(group, True, lines)


def _item(entry: SummaryEntry, k: int, lang: str) -> Item:
    blocks: list[Block] = []
    if entry.results is not None:
        results = rethreshold_results(entry.results, k)
        if results.overall is not None:
            blocks.append(_block(say(GROUPS[None], lang), results.overall, lang))
        for track, result in (results.by_track or {}).items():
            blocks.append(_block(say(GROUPS.get(track, track), lang), result, lang, side=True))
    return Item(
        title=entry.title,
        question=entry.text,
        kind=say(KINDS.get(entry.kind, entry.kind), lang),
        by_hand=entry.by_hand,
        blocks=blocks,
        texts=list(entry.texts),
    )


def readable(summary: Summary, lang: str = i18n.SOURCE) -> list[Item]:
    """The summary's lines in `lang` (the words Hearth adds; the content stays as written)."""
    return [_item(entry, summary.k, lang) for entry in summary.entries]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts like a formula; words come from participants.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def summary_csv(summary: Summary, lang: str = i18n.SOURCE) -> str:
    """Column names stay English (a spreadsheet's formulas may name them); notes in `lang`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        # rank last: columns a spreadsheet already names keep their places
        ["date", "session", "activity", "kind", "question", "group", "answer", "count", "note",
         "rank"]
    )
    by_hand = say(BY_HAND, lang)
    for item in readable(summary, lang):
        for block in item.blocks:
            for line in block.lines:
                note = "; ".join(n for n in (line.note, by_hand if item.by_hand else "") if n)
                writer.writerow(
                    [
                        _cell(v)
                        for v in (
                            summary.date.isoformat(),
                            summary.title,
                            item.title,
                            item.kind,
                            item.question,
                            block.group,
                            line.answer,
                            line.count,
                            note,
                            line.rank,
                        )
                    ]
                )
    return out.getvalue()


async def _summary(request: Request) -> Summary | Msg:
    """The posted summary, or what is wrong with it."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > 2 * MAX_SUMMARY_BYTES:
            return _("That summary is too large.")
    raw: bytes | str = body
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raw = (parse_qs(body.decode("utf-8", "replace")).get("summary") or [""])[0]
    try:
        return Summary.model_validate(orjson.loads(raw))
    except (orjson.JSONDecodeError, ValidationError):
        return _("That is not a Hearth summary file.")


def _cross_site(request: Request) -> bool:
    """The console posts a form from a no-referrer page, so its Origin reads "null"; the
    browser's Sec-Fetch-Site still says where the post came from. Without it (not a browser,
    or an old one) the Origin check decides."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    return auth.cross_site(request)


async def _posted(request: Request) -> Summary | Response:
    """The summary a same-site form posted, or the refusal to send instead."""
    lang = i18n.request_lang.get()
    if _cross_site(request):
        refused = _("Cross-site request refused.")
        return PlainTextResponse(refused.in_language(lang), status_code=403)
    summary = await _summary(request)
    if isinstance(summary, Msg):
        return PlainTextResponse(summary.in_language(lang), status_code=422)
    return summary


async def summary_page(request: Request) -> Response:
    if request.method == "GET":
        return templates.TemplateResponse(request, "summary-open.html", {"title": "Summary"})
    summary = await _posted(request)
    if isinstance(summary, Response):
        return summary
    lang = i18n.request_lang.get()
    context = {
        "title": "Summary",
        "summary": summary,
        "date": format_date(summary.date, format="long", locale=i18n.folder(lang)),
        "items": readable(summary, lang),
        "by_hand": say(BY_HAND, lang),
    }
    return templates.TemplateResponse(
        request, "summary.html", context, headers={"Cache-Control": "no-store"}
    )


async def summary_spreadsheet(request: Request) -> Response:
    summary = await _posted(request)
    if isinstance(summary, Response):
        return summary
    lang = i18n.request_lang.get()
    # the summary file's own name (its day and label), as .csv; a label in any script rides in
    # filename* (RFC 6266), with a plain-ASCII name beside it for older clients
    name = filename(summary).removesuffix(".json") + ".csv"
    plain = name.encode("ascii", "ignore").decode().replace("--", "-")
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        summary_csv(summary, lang),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
        },
    )


def routes() -> list[Route]:
    return [
        Route("/summary", summary_page, methods=["GET", "POST"]),
        Route("/summary.csv", summary_spreadsheet, methods=["POST"]),
    ]
