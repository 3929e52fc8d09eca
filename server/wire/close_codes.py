"""The close codes a socket ends with, and what each tells the screen (docs/protocol.md)."""

from __future__ import annotations

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # flooding
CLOSE_TOO_BIG = 1009
CLOSE_GOING_AWAY = 1001
CLOSE_BAD_HELLO = 4400
CLOSE_UNAUTHORISED = 4401
CLOSE_NO_ROOM = 4404
CLOSE_HELLO_TIMEOUT = 4408
CLOSE_TOO_SLOW = 4409  # fell behind; reconnect for a fresh snapshot
CLOSE_TRY_LATER = 1013  # the session store is not answering; reconnect with backoff
CLOSE_REFUSED = 4429  # room locked or full, or too many sockets

# The reason a console closed with 4401 is given when its credential was replaced while it was
# connected (re-entry, a newer co-facilitator link), so it can say so rather than "link spent"
# (shared/static/protocol.js holds the same words).
REASON_REPLACED = "console opened elsewhere"
