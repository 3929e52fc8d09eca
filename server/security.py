"""HTTP security headers, log redaction and the join-attempt limiter.

Each guards one promise in docs/security.md: pages that run only our own code, logs that hold no
codes, credentials or addresses, and join codes that cannot be guessed by brute force.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable

import websockets
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# -- HTTP headers -----------------------------------------------------------------------------

# A Host header is echoed into connect-src only when it looks like a host (and optional port).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


def is_tls(scope: Scope) -> bool:
    """Served over TLS, directly or behind a proxy that says so. uvicorn rewrites the scheme from
    a trusted proxy's X-Forwarded-Proto; the raw header is honoured too, because all it changes is
    what the requester itself is told (HSTS, a wss: connect-src), and browsers cannot forge it."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    proto = Headers(scope=scope).get("x-forwarded-proto", "")
    return proto.split(",")[0].strip().lower() == "https"


def content_security_policy(scope: Scope) -> str:
    host = Headers(scope=scope).get("host", "")
    connect = "'self'"
    if _HOST.match(host):
        # 'self' covers ws: and wss: in current browsers; older Safari needs them named.
        connect += f" {'wss' if is_tls(scope) else 'ws'}://{host}"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "worker-src 'none'",  # no service worker can be registered: the phone keeps nothing
            "manifest-src 'none'",
            "frame-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        )
    )


def security_headers(scope: Scope, path: str) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(scope),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if is_tls(scope):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not path.startswith("/static/"):
        # Pages and API answers are never cached: nothing of a session stays in a browser cache.
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """Pure ASGI middleware (no buffering, WebSockets pass untouched): adds the headers above
    to every HTTP response and refuses to let any response set a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope, scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                del headers["set-cookie"]  # Hearth needs no cookie; none may slip in
                for name, value in extra.items():
                    if name == "Cache-Control" and "cache-control" in headers:
                        continue
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- origins ----------------------------------------------------------------------------------


def origin_allowed(conn: HTTPConnection, extra: Iterable[str]) -> bool:
    """The request's Origin is this server (as the browser reached it) or an allowed one."""
    origin = conn.headers.get("origin")
    if not origin:
        return False
    origin = origin.rstrip("/")
    host = conn.headers.get("host", "")
    same = {f"http://{host}", f"https://{host}"} if host else set()
    if not is_tls(conn.scope):
        same.discard(f"https://{host}")
        forwarded = conn.headers.get("x-forwarded-proto", "")
        if forwarded.split(",")[0].strip().lower() == "https":
            same.add(f"https://{host}")
    return origin in same or origin in set(extra)


# -- log redaction ----------------------------------------------------------------------------

REDACTED = "[redacted]"
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.])")
_IPV6 = re.compile(
    r"\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\](?::\d{1,5})?"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)
_CODE = re.compile(r"(?<![A-Za-z0-9])[ACDEFGHJKMNPQRTUVWXY34679]{6}(?![A-Za-z0-9])")
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


class RedactingFilter(logging.Filter):
    """Rewrites every record to its redacted text. Records from the websockets library below
    WARNING are dropped: at debug level it logs every frame, and frames carry answers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.pathname.startswith(_WEBSOCKETS_LIB) and record.levelno < logging.WARNING:
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
        "filters": {"redact": {"()": "server.security.RedactingFilter"}},
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


# -- join-attempt limiter -----------------------------------------------------------------------


class AttemptLimiter:
    """Failed attempts (wrong codes, credentials, tickets) per client address, in this process's
    memory only. Addresses are kept as keyed hashes (the key is random per process and never
    leaves it); an entry is forgotten `window` seconds after its first failure."""

    def __init__(
        self,
        per_window: int,
        window: float = 60.0,
        max_entries: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window = window
        self.max_entries = max_entries
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: dict[bytes, tuple[int, float]] = {}
        self._swept = clock()

    def _id(self, address: str) -> bytes:
        return hmac.new(self._key, address.encode(), hashlib.sha256).digest()[:16]

    def _sweep(self, now: float) -> None:
        if now - self._swept < self.window / 4 and len(self._entries) < self.max_entries:
            return
        self._swept = now
        stale = [k for k, (_, first) in self._entries.items() if now - first >= self.window]
        for k in stale:
            del self._entries[k]
        while len(self._entries) >= self.max_entries:  # a flood of addresses: drop the oldest
            del self._entries[next(iter(self._entries))]

    def blocked(self, address: str) -> bool:
        now = self.clock()
        self._sweep(now)
        ident = self._id(address)
        entry = self._entries.get(ident)
        if entry is not None and now - entry[1] >= self.window:
            del self._entries[ident]
            return False
        return entry is not None and entry[0] >= self.per_window

    def failed(self, address: str) -> None:
        now = self.clock()
        self._sweep(now)
        ident = self._id(address)
        count, first = self._entries.get(ident, (0, now))
        if now - first >= self.window:
            count, first = 0, now
        self._entries[ident] = (count + 1, first)

    def __len__(self) -> int:
        return len(self._entries)


def client_address(conn: HTTPConnection) -> str:
    """The peer as uvicorn sees it (after trusted proxy headers); used only as a limiter key."""
    return conn.client.host if conn.client else ""
