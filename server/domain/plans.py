"""Session plans: an ordered run-sheet of activities, kept in a file on the facilitator's device.

The server never keeps a plan. It only checks one (`POST /api/plans/check`) and serves the built-in
library. A plan is JSON or YAML; every problem is reported with the field path and, where the
parser knows it, the line and column. YAML is read by a small event walker instead of a YAML
loader: no anchors or aliases (no "billion laughs"), no tags, no implicit "yes" -> True, a depth
and size cap, and a line number for every value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from server.domain import wording
from server.domain.activities import Activity
from server.domain.models import Document
from server.domain.wording import MAX_LANGUAGES, LangTag, PlanWords
from server.i18n import _

MAX_PLAN_BYTES = 256 * 1024
MAX_DEPTH = 16
MAX_ITEMS = 80
Format = Literal["json", "yaml"]


class PlanItem(Document):
    """One step of the run-sheet. Facilitator notes live in activity.facilitator_notes."""

    activity: Activity
    minutes: int | None = Field(
        default=None, ge=1, le=180, description="Time set aside for this step, for pacing."
    )


class Plan(Document):
    format: Literal["hearth-plan"] = "hearth-plan"
    version: int = Field(default=1, ge=1, le=1, description="The schema version: 1.")
    kind: Literal["session", "collection"] = Field(
        default="session",
        description="session: a run-sheet stepped through in order; collection: loose activities.",
    )
    title: Annotated[str, Field(min_length=1, max_length=120)]
    summary: Annotated[str, Field(max_length=1000)] = ""
    themes: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=12
    )
    content_note: Annotated[str, Field(max_length=300)] = Field(
        default="", description="For the facilitator: what in this plan may be hard to hear."
    )
    notes: Annotated[str, Field(max_length=4000)] = Field(
        default="", description="Preparation notes for the facilitator."
    )
    practice: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="For participants: a practice for the week, on the handout."
    )
    support: Annotated[str, Field(max_length=2000)] = Field(
        default="",
        description="The support card: local help (helplines, stepping out). Loaded into the "
        "room when the plan is used: phones can open it at any time and see it at the end; "
        "printed on the handout.",
    )
    languages: list[LangTag] = Field(
        default_factory=list,
        max_length=MAX_LANGUAGES,
        description="The languages the plan is written in, its own first: each activity's "
        "fields are in the first, its translations in the others.",
    )
    translations: dict[LangTag, PlanWords] = Field(
        default_factory=dict,
        max_length=MAX_LANGUAGES,
        description="The plan's own fields in its other languages.",
    )
    items: list[PlanItem] = Field(min_length=1, max_length=MAX_ITEMS)

    @model_validator(mode="before")
    @classmethod
    def _activities_in_first_language(cls, data: Any) -> Any:
        """An activity without `lang` is in the plan's first language."""
        languages, items = (
            (data.get(k) for k in ("languages", "items"))
            if isinstance(data, dict)
            else (None, None)
        )
        if not (isinstance(languages, list) and languages and isinstance(items, list)):
            return data
        first = languages[0]
        return {**data, "items": [wording.with_lang(item, first) for item in items]}

    @model_validator(mode="after")
    def _languages_once(self) -> Plan:
        if len(set(self.languages)) != len(self.languages):
            raise ValueError("each language is listed once")
        if self.languages and self.languages[0] in self.translations:
            raise ValueError("the plan itself is in its first language: no translation into it")
        return self

    @property
    def minutes(self) -> int:
        return sum(item.minutes or 0 for item in self.items)


@dataclass(frozen=True)
class Problem:
    path: str  # e.g. "items[2].activity.options"; "" for the whole file
    message: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"{where}{self.path or 'file'}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


class PlanError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


Loc = tuple[str | int, ...]
Marks = dict[Loc, tuple[int, int]]


# -- reading the file ------------------------------------------------------------------------


def detect_format(text: str) -> Format:
    return "json" if text.lstrip().startswith(("{", "[")) else "yaml"


def _check_size(text: str) -> None:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_PLAN_BYTES:
        raise PlanError(
            [Problem("", _("The file is larger than {n} KB.", n=MAX_PLAN_BYTES // 1024))]
        )


_PLAIN_TAGS = {None, "!"}
_NULLS = {"", "~", "null", "Null", "NULL"}


def _scalar(event: yaml.ScalarEvent) -> Any:
    """Unquoted null is None; every other scalar is text, and the schema converts it where it
    wants a number or a flag ("5" -> 5 for minutes). So "yes", "no" and "3" stay text in a
    poll's options instead of turning into True, False and 3 as YAML 1.1 loaders would."""
    if event.style is None and event.value in _NULLS:
        return None
    return event.value


def _position(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _yaml_problem(path: Loc, message: str, mark: Any) -> PlanError:
    return PlanError([Problem(_path(path), message, mark.line + 1, mark.column + 1)])


def read_yaml(text: str) -> tuple[Any, Marks]:
    """Parse YAML into plain values, recording where each value starts."""
    marks: Marks = {}
    stack: list[tuple[Any, Loc, list[Any]]] = []  # (container, its loc, [pending key])
    root: Any = None
    documents = 0
    try:
        for event in yaml.parse(text, Loader=yaml.BaseLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _yaml_problem(
                        (), _("Only one YAML document is allowed."), event.start_mark
                    )
                continue
            if isinstance(event, yaml.AliasEvent):
                raise _yaml_problem(
                    stack[-1][1] if stack else (),
                    _("YAML aliases (*name) are not allowed."),
                    event.start_mark,
                )
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                value, loc, _pending = stack.pop()
                root = _attach(stack, value, root)
                continue
            if not isinstance(
                event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
            ):
                continue
            loc = _child_loc(stack)
            if event.anchor is not None:
                raise _yaml_problem(
                    loc, _("YAML anchors (&name) are not allowed."), event.start_mark
                )
            if event.tag not in _PLAIN_TAGS:
                raise _yaml_problem(
                    loc, _("YAML tags ({tag}) are not allowed.", tag=event.tag), event.start_mark
                )
            if isinstance(event, yaml.ScalarEvent):
                value = _scalar(event)
                if stack and isinstance(stack[-1][0], dict) and not stack[-1][2]:
                    key = event.value
                    if key in stack[-1][0]:
                        raise _yaml_problem(
                            (*stack[-1][1], key), _("This key appears twice."), event.start_mark
                        )
                    stack[-1][2].append(key)
                    continue
                marks[loc] = _position(event.start_mark)
                root = _attach(stack, value, root)
                continue
            if stack and isinstance(stack[-1][0], dict) and not stack[-1][2]:
                raise _yaml_problem(loc, _("Keys must be plain text."), event.start_mark)
            if len(stack) >= MAX_DEPTH:
                raise _yaml_problem(
                    loc, _("Nested deeper than {n} levels.", n=MAX_DEPTH), event.start_mark
                )
            marks[loc] = _position(event.start_mark)
            stack.append(({} if isinstance(event, yaml.MappingStartEvent) else [], loc, []))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "not valid YAML"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise PlanError(
            [Problem("", _("Not valid YAML: {detail}", detail=message), line, column)]
        ) from None
    except yaml.YAMLError as exc:
        raise PlanError([Problem("", _("Not valid YAML: {detail}", detail=str(exc)))]) from None
    return root, marks


def _child_loc(stack: list[tuple[Any, Loc, list[Any]]]) -> Loc:
    if not stack:
        return ()
    container, loc, pending = stack[-1]
    if isinstance(container, dict):
        return (*loc, pending[0]) if pending else loc
    return (*loc, len(container))


def _attach(stack: list[tuple[Any, Loc, list[Any]]], value: Any, root: Any) -> Any:
    if not stack:
        return value
    container, _loc, pending = stack[-1]
    if isinstance(container, dict):
        container[pending.pop()] = value
    else:
        container.append(value)
    return root


_TOO_DEEP = object()


def read_json(text: str) -> tuple[Any, Marks]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(_("The key {key} appears twice.", key=repr(key)))
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise PlanError(
            [Problem("", _("Not valid JSON: {detail}", detail=exc.msg), exc.lineno, exc.colno)]
        ) from None
    except ValueError as exc:
        raise PlanError([Problem("", _("Not valid JSON: {detail}", detail=exc.args[0]))]) from None
    except RecursionError:
        data = _TOO_DEEP
    if data is _TOO_DEEP or _depth(data) > MAX_DEPTH:
        raise PlanError([Problem("", _("Nested deeper than {n} levels.", n=MAX_DEPTH))])
    # Valid JSON is (almost always) valid YAML: borrow the YAML walker's positions for field
    # errors. If it disagrees, errors still name the field path.
    marks: Marks = {}
    try:
        # A literal tab in JSON can only be whitespace (tabs in strings must be escaped), and
        # YAML refuses tabs as indentation: swap them one for one so positions stay the same.
        _data, marks = read_yaml(text.replace("\t", " "))
    except PlanError:
        pass
    return data, marks


# -- validating ------------------------------------------------------------------------------


def _depth(data: Any) -> int:
    deepest, todo = 0, [(data, 0)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth + 1)
            todo.extend(
                (v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)
            )
    return deepest


def _path(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _locate(data: Any, loc: Loc) -> Loc:
    """Map a pydantic error location onto the data, dropping union tags such as 'poll'."""
    out: list[str | int] = []
    current = data
    for part in loc:
        if part == "[key]":
            continue  # pydantic's marker for a bad dict key: the key itself is the place
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and part < len(current):
            current = current[part]
        elif isinstance(current, dict) and current.get("kind") == part:
            continue  # the discriminated union's tag, not a field in the file
        else:
            current = None
        out.append(part)
    return tuple(out)


def _nearest_mark(marks: Marks, loc: Loc) -> tuple[int | None, int | None]:
    for end in range(len(loc), -1, -1):
        if loc[:end] in marks:
            return marks[loc[:end]]
    return None, None


def validate(data: Any, marks: Marks | None = None) -> Plan:
    marks = marks or {}
    if isinstance(data, dict) and data.get("format") == "hearth-summary":
        # Both are files a facilitator keeps from week to week: say which one this is.
        where = _(
            "This is a session summary, not a plan: load it under “Across weeks”, “Load past"
            " summaries”."
        )
        raise PlanError([Problem("", where)])
    try:
        return Plan.model_validate(data, strict=False)  # a hand-written file: "5" may be 5
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = _locate(data, tuple(error["loc"]))
            line, column = _nearest_mark(marks, loc)
            problems.append(Problem(_path(loc), error["msg"], line, column))
        raise PlanError(problems) from None


def load_plan(text: str, fmt: Format | None = None) -> Plan:
    """Parse and validate a plan file. Raises PlanError listing every problem found."""
    _check_size(text)
    fmt = fmt or detect_format(text)
    data, marks = read_json(text) if fmt == "json" else read_yaml(text)
    if data is None:
        raise PlanError([Problem("", _("The file is empty."))])
    return validate(data, marks)


def dump_plan(plan: Plan, fmt: Format = "yaml") -> str:
    """The file form: only what differs from the defaults, in a stable order."""
    data = plan.model_dump(mode="json", exclude_defaults=True)
    data = {"format": plan.format, "version": plan.version, **data}
    first = plan.languages[0] if plan.languages else None
    for item, raw in zip(plan.items, data["items"], strict=True):
        raw["activity"] = {"kind": item.activity.kind, **raw["activity"]}
        if first is not None and raw["activity"].get("lang") == first:
            del raw["activity"]["lang"]  # implied by the plan's first language
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)


def missing_translations(plan: Plan) -> list[dict[str, Any]]:
    """A warning for the plan check: words a phone would read in the plan's first language."""
    return wording.missing_in(plan, plan.languages)


def normalised(plan: Plan) -> dict[str, Any]:
    """Every field with its default filled in, as the console uses it."""
    return {**plan.model_dump(mode="json"), "minutes": plan.minutes}
