"""Log redaction: no join code, credential, token or address in any log line, whoever logs it
(uvicorn, websockets, Hearth itself) — docs/security.md."""

from __future__ import annotations

import logging
import os
import re

import websockets

from server.domain.codes import CODE_ALPHABET, CODE_LENGTH

REDACTED = "[redacted]"
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])")
_IPV6 = re.compile(
    r"\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\](?::\d{1,5})?"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)
_CODE = re.compile(rf"(?<![A-Za-z0-9])[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?![A-Za-z0-9])")
_SECRETISH = re.compile(r"[A-Za-z0-9_\-]{16,}")
_WEBSOCKETS_LIB = os.path.dirname(websockets.__file__) + os.sep  # the library, not uvicorn's


def _looks_secret(word: str) -> bool:
    """Tokens and credentials are long URL-safe runs with digits or dashes; identifiers in
    tracebacks (snake_case, CamelCase) are not, and stay readable."""
    has_digit = any(c.isdigit() for c in word)
    has_upper = any(c.isupper() for c in word)
    has_lower = any(c.islower() for c in word)
    if has_digit:
        return has_upper or has_lower
    if "-" in word or "_" in word:
        return has_upper and has_lower
    return len(word) >= 24 and has_upper and has_lower


def _ipv6_like(match: re.Match[str]) -> str:
    text = match.group(0)
    # A time such as 12:34:56 is not an address: require a hex letter or "::" or brackets.
    if text.startswith("[") or "::" in text or any(c in "abcdefABCDEF" for c in text):
        return REDACTED
    return text


def redact(text: str) -> str:
    text = _IPV4.sub(REDACTED, text)
    text = _IPV6.sub(_ipv6_like, text)
    text = _SECRETISH.sub(lambda m: REDACTED if _looks_secret(m.group(0)) else m.group(0), text)
    return _CODE.sub(REDACTED, text)


# uvicorn's line for each WebSocket it accepts: in a journal, a timestamp for every phone that
# joins or comes back, which says when each person arrived and adds nothing an operator needs.
# Refusals (403 and other codes) are still logged: they are what an operator looks for.
_ACCEPTED = '%s - "WebSocket %s" [accepted]'


class RedactingFilter(logging.Filter):
    """Rewrites every record to its redacted text. Records from the websockets library below
    WARNING are dropped: at debug level it logs every frame, and frames carry answers; so is
    uvicorn's line for each accepted WebSocket."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.pathname.startswith(_WEBSOCKETS_LIB) and record.levelno < logging.WARNING:
            return False
        if record.msg == _ACCEPTED:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep only its template
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# Every logger a Hearth process writes through. A filter on a logger sees only records made on
# that logger, so each is named; handlers built by `hearth serve` carry the filter as well.
LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "websockets",
    "websockets.server",
    "websockets.client",
    "asyncio",
    "redis",
    "hearth",
    "hearth.ws",
    "hearth.hub",
    "hearth.service",
    "hearth.store",
    "hearth.web",
    "hearth.security",
    "hearth.fastpath",
)

_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Idempotent: put the redacting filter on every logger Hearth writes through."""
    names = set(LOGGERS) | {
        name for name in logging.root.manager.loggerDict if name.startswith("hearth")
    }
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    # The websockets library logs frames at debug level; never let it.
    for name in ("websockets", "websockets.server", "websockets.client"):
        logging.getLogger(name).setLevel(max(logging.getLogger(name).level, logging.INFO))


def log_config(level: str) -> dict[str, object]:
    """uvicorn's log configuration with the redacting filter on every handler, and Hearth's own
    loggers printed at the same level."""
    fmt = "%(levelprefix)s %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "server.log_redaction.RedactingFilter"}},
        "formatters": {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": fmt, "use_colors": None},
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["redact"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"level": level.upper()},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "hearth": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }
