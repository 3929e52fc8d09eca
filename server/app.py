"""create_app(settings, store=None) -> Starlette. The lifespan opens and closes the store."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute

from . import web
from .hub import Hub
from .security import AttemptLimiter, SecurityHeaders, install_log_redaction
from .service import Service
from .settings import Settings
from .store import RoomStore, open_store
from .ws import endpoint

log = logging.getLogger("hearth")


def base_url(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = web.lan_address()
    return f"http://{host}:{settings.port}"


def create_app(settings: Settings | None = None, store: RoomStore | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    if not settings.host_secret:
        settings = settings.replace(host_secret=secrets.token_urlsafe(24))
    room_store = store or open_store(settings.redis_url)
    base = base_url(settings)
    hub = Hub(
        room_store,
        process_id=secrets.token_hex(6),
        join_url=lambda code: web.join_url(base, code),
        qr_svg=lambda code: web.qr_svg(web.join_url(base, code)),
        room_ttl=settings.room_ttl_seconds,
    )
    service = Service(room_store, hub, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await room_store.start()
        await hub.start()
        try:
            yield
        finally:
            hub.shutdown()
            await hub.stop()
            await room_store.stop()

    install_log_redaction()  # no code, credential or address in any log line (docs/security.md)
    app = Starlette(
        routes=[*web.routes(), WebSocketRoute("/ws", endpoint)],
        middleware=[Middleware(SecurityHeaders)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.attempts = AttemptLimiter(settings.join_attempts_per_minute, window=60.0)
    app.state.service = service
    app.state.base_url = base
    return app
