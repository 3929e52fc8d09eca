"""French punctuation spacing: a "?" or ":" never wraps alone onto the next line.

French sets a space before ? ! ; : and inside « », and it must not break: on a narrow phone the
plain space our French catalogues and library used let "…en ce moment ?" end a line and put the
"?" alone on the next. Applied where French text is loaded (the catalogues, the library's French
translations), so every screen gets it and nobody has to type the invisible characters.
"""

from __future__ import annotations

import re
from typing import Any

NARROW = "\u202f"  # before ? ! ; (a thin non-breaking space)
WHOLE = "\u00a0"  # before : and inside « »

_BEFORE_THIN = re.compile(r"[ \u00a0]([?!;])")
_BEFORE_COLON = re.compile(r" (:)(?=\s|$)")
_OPENING = re.compile(r"« ")
_CLOSING = re.compile(r" »")


def french_spacing(text: str) -> str:
    text = _BEFORE_THIN.sub(NARROW + r"\1", text)
    text = _BEFORE_COLON.sub(WHOLE + r"\1", text)
    return _CLOSING.sub(WHOLE + "»", _OPENING.sub("«" + WHOLE, text))


def french_spaced(data: Any, french: bool = False) -> Any:
    """A parsed plan file with French spacing in every string under a "fr" key."""
    if isinstance(data, dict):
        return {key: french_spaced(value, french or key == "fr") for key, value in data.items()}
    if isinstance(data, list):
        return [french_spaced(value, french) for value in data]
    if isinstance(data, str) and french:
        return french_spacing(data)
    return data
