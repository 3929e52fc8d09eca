"""Activities as typed models: what a facilitator can put live, and the answers each accepts.

Definitions come from the console (ad hoc or from a plan). The server assigns the live id.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from server.domain import wording
from server.domain.models import Strict
from server.domain.wording import MAX_LANGUAGES, LangTag, Side, SideWords, Translation
from server.i18n import _, ngettext

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Label = Annotated[str, Field(min_length=1, max_length=120)]
LongText = Annotated[str, Field(max_length=2000)]


class ActivityBase(Strict):
    title: Annotated[str, Field(max_length=120)] = ""
    text: Text
    content_note: Annotated[str, Field(max_length=300)] = Field(
        default="", description="Shown on phones before the activity, with 'skip this one'."
    )
    facilitator_notes: LongText = Field(
        default="", description="For the facilitator only: never sent to phones or the display."
    )
    theme: Annotated[str, Field(max_length=60)] = ""
    lang: LangTag | None = Field(
        default=None, description="The language of the fields above (a plan's first language)."
    )
    translations: dict[LangTag, Translation] = Field(
        default_factory=dict,
        max_length=MAX_LANGUAGES,
        description="The same words in other languages; each phone shows its own (wording.py).",
    )
    sides: dict[Side, SideWords] = Field(
        default_factory=dict,
        description="With tracks on: the words each side reads instead (hurt, caused).",
    )

    @model_validator(mode="after")
    def _wordings_fit(self) -> ActivityBase:
        wording.check(self)
        return self


class Prompt(ActivityBase):
    kind: Literal["prompt"] = "prompt"
    open_text: bool = Field(default=False, description="Collect anonymous open-text answers.")
    max_chars: int = Field(default=280, ge=20, le=1000)


ChoiceStyle = Literal["auto", "counts", "words", "leaning"]
ScaleStyle = Literal["auto", "counts", "words", "leaning", "bands"]
STYLE_HELP = "How results are drawn (docs/results.md); auto: the style that says most at n."


class Poll(ActivityBase):
    kind: Literal["poll"] = "poll"
    options: list[Label] = Field(min_length=2, max_length=12)
    multiple: bool = Field(default=False, description="Multiple choice instead of single choice.")
    result_style: ChoiceStyle = Field(default="auto", description=STYLE_HELP)


class Scale(ActivityBase):
    kind: Literal["scale"] = "scale"
    points: int = Field(default=5, ge=2, le=10, description="Answers are 1..points.")
    low_label: Annotated[str, Field(max_length=60)] = ""
    high_label: Annotated[str, Field(max_length=60)] = ""
    result_style: ScaleStyle = Field(default="auto", description=STYLE_HELP)


class Reflection(ActivityBase):
    kind: Literal["reflection"] = "reflection"
    seconds: int = Field(default=180, ge=10, le=3600)
    share: bool = Field(default=False, description="Offer to share the note anonymously.")
    max_chars: int = Field(default=280, ge=20, le=1000)


class WordCloud(ActivityBase):
    kind: Literal["words"] = "words"
    max_words: int = Field(default=3, ge=1, le=5)


class CheckIn(ActivityBase):
    kind: Literal["checkin"] = "checkin"
    options: list[Label] = Field(
        default_factory=lambda: ["Steady", "Tender", "Heavy", "Overwhelmed"],
        min_length=2,
        max_length=6,
    )
    result_style: ChoiceStyle = Field(default="auto", description=STYLE_HELP)


class Grounding(ActivityBase):
    kind: Literal["grounding"] = "grounding"
    seconds: int = Field(default=120, ge=20, le=1200)
    inhale: int = Field(default=4, ge=2, le=8)
    hold: int = Field(default=2, ge=0, le=8)
    exhale: int = Field(default=6, ge=2, le=10)


Activity = Annotated[
    Prompt | Poll | Scale | Reflection | WordCloud | CheckIn | Grounding,
    Field(discriminator="kind"),
]
ActivityKind = Literal["prompt", "poll", "scale", "reflection", "words", "checkin", "grounding"]


# -- answers ---------------------------------------------------------------------------------


class ChoiceAnswer(Strict):
    kind: Literal["choice"] = "choice"
    option: int = Field(ge=0, le=11)


class ChoicesAnswer(Strict):
    kind: Literal["choices"] = "choices"
    options: list[Annotated[int, Field(ge=0, le=11)]] = Field(min_length=1, max_length=12)


class ScaleAnswer(Strict):
    kind: Literal["scale"] = "scale"
    value: int = Field(ge=1, le=10)


class TextAnswer(Strict):
    kind: Literal["text"] = "text"
    text: Annotated[str, Field(min_length=1, max_length=1000)]


class WordsAnswer(Strict):
    kind: Literal["words"] = "words"
    words: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        min_length=1, max_length=5
    )


class PassAnswer(Strict):
    kind: Literal["pass"] = "pass"


AnswerValue = Annotated[
    ChoiceAnswer | ChoicesAnswer | ScaleAnswer | TextAnswer | WordsAnswer | PassAnswer,
    Field(discriminator="kind"),
]

TRACKS = ("hurt", "caused", "unsaid")
Track = Literal["hurt", "caused", "unsaid"]


class AnswerError(ValueError):
    """An answer that does not fit the live activity."""


_WORD = re.compile(r"[^\w'-]+", re.UNICODE)


def normalise_word(raw: str) -> str:
    word = unicodedata.normalize("NFKC", raw).strip().lower()
    return _WORD.sub("", word)[:40]


def accepts_answers(activity: BaseModel) -> bool:
    if isinstance(activity, Prompt):
        return activity.open_text
    if isinstance(activity, Reflection):
        return activity.share
    return isinstance(activity, (Poll, Scale, WordCloud, CheckIn))


def answer_cells(activity: BaseModel, answer: BaseModel) -> tuple[list[str], str | None]:
    """The tally cells an answer adds to, and its free text if any. Raises AnswerError."""
    if isinstance(answer, PassAnswer):
        return ["pass"], None
    if isinstance(activity, (Poll, CheckIn)):
        limit = len(activity.options)
        if isinstance(answer, ChoiceAnswer) and not (
            isinstance(activity, Poll) and activity.multiple
        ):
            if answer.option >= limit:
                raise AnswerError(_("That option does not exist."))
            return ["n", f"o:{answer.option}"], None
        if isinstance(answer, ChoicesAnswer) and isinstance(activity, Poll) and activity.multiple:
            chosen = sorted(set(answer.options))
            if chosen[-1] >= limit:
                raise AnswerError(_("That option does not exist."))
            return ["n", *(f"o:{i}" for i in chosen)], None
    elif isinstance(activity, Scale) and isinstance(answer, ScaleAnswer):
        if answer.value > activity.points:
            raise AnswerError(_("That value is off the scale."))
        return ["n", f"v:{answer.value}"], None
    elif isinstance(activity, WordCloud) and isinstance(answer, WordsAnswer):
        words = sorted({w for w in (normalise_word(x) for x in answer.words) if w})
        if not words or len(words) > activity.max_words:
            raise AnswerError(
                ngettext("Give one word.", "Give between 1 and {n} words.", activity.max_words)
            )
        return ["n", *(f"w:{w}" for w in words)], None
    elif isinstance(activity, (Prompt, Reflection)) and isinstance(answer, TextAnswer):
        text = answer.text.strip()
        if not text:
            raise AnswerError(_("The answer is empty."))
        if len(text) > activity.max_chars:
            raise AnswerError(_("Answers are limited to {n} characters.", n=activity.max_chars))
        return ["n"], text
    raise AnswerError(_("That kind of answer does not fit this activity."))
