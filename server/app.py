"""create_app(settings, store=None) -> HearthApp (a Starlette app). The lifespan opens and
closes the store."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import threading
from collections.abc import AsyncIterator, Callable
from types import FrameType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from server import i18n
from server.collector import tune_collector
from server.http import routes
from server.http.auth import AttemptLimiter
from server.http.headers import SecurityHeaders
from server.log_redaction import install_log_redaction
from server.service.rooms import Service
from server.settings import Settings
from server.store import RoomStore, open_store
from server.transport.endpoint import endpoint
from server.transport.hub import Hub

log = logging.getLogger("hearth")
WS_PATH = "/ws"


class HearthApp(Starlette):
    """Starlette, with the WebSocket endpoint in front of its middleware stack and router.

    Every middleware here passes WebSockets through untouched (security headers and the
    request's language are HTTP's), and the endpoint answers its own failures; going through
    them cost a tenth of each join (docs/performance.md, joins). uvicorn's proxy-headers
    middleware still wraps this whole app, so the client's address is still the forwarded one.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == scope.get("root_path", "") + WS_PATH:
            scope["app"] = self  # as Starlette sets it: the endpoint reads app.state
            await endpoint(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def base_url(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = routes.lan_address()
    return f"http://{host}:{settings.port}"


DRAIN_SECONDS = 1.5  # for requests in flight at SIGTERM; uvicorn then has its own 8 s


def drain_on_sigterm(hub: Hub) -> Callable[[], None]:
    """uvicorn closes every WebSocket with a bare 1012 as soon as it shuts down. Run in front of
    its SIGTERM handler: tell every screen `reconnect` and let acks in flight go out first."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # signals reach the main thread only (e.g. a server in a test thread)
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return lambda: None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def drain_then_exit(sig: int, frame: FrameType | None) -> None:
        try:
            await hub.drain(DRAIN_SECONDS)
        finally:
            previous(sig, frame)

    def on_term(sig: int, frame: FrameType | None) -> None:
        if tasks or hub.draining:
            previous(sig, frame)  # a second SIGTERM: no more waiting
            return
        task = loop.create_task(drain_then_exit(sig, frame))
        tasks.add(task)

    signal.signal(signal.SIGTERM, on_term)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is on_term:
            signal.signal(signal.SIGTERM, previous)

    return restore


def create_app(settings: Settings | None = None, store: RoomStore | None = None) -> HearthApp:
    settings = settings or Settings.from_env()
    if not settings.host_secret:
        settings = settings.replace(host_secret=secrets.token_urlsafe(24))
    room_store = store or open_store(
        settings.redis_url, settings.redis_timeout_seconds, settings.redis_wait_replicas
    )
    base = base_url(settings)
    hub = Hub(
        process_id=secrets.token_hex(6),
        join_url=lambda code: routes.join_url(base, code),
        qr_svg=lambda code: routes.qr_svg(routes.join_url(base, code)),
    )
    service = Service(room_store, hub, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await room_store.start()
        service.watch.start()
        if not await room_store.ping():  # serve anyway: /healthz says 503, commands retry
            service.watch.store_ok = False
            log.error("the session store is not reachable; /healthz reports 503 until it is")
        restore = drain_on_sigterm(hub)
        tune_collector(settings.gc_young_objects)  # what start-up built is frozen from here
        try:
            yield
        finally:
            restore()
            hub.shutdown()
            await service.watch.stop()
            await room_store.stop()

    install_log_redaction()  # no code, credential or address in any log line (docs/security.md)
    i18n.load()  # every message catalogue, read once: a broken one fails here, not mid-session
    app = HearthApp(
        routes=routes.routes(),
        middleware=[Middleware(SecurityHeaders), Middleware(i18n.RequestLanguage)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.attempts = AttemptLimiter(settings.join_attempts_per_minute, window=60.0)
    app.state.service = service
    app.state.base_url = base
    return app
