"""HTTP security headers: pages that run only our own code, load nothing from elsewhere, are never
cached and never framed (docs/security.md)."""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.http.auth import is_tls, secure_context

# -- HTTP headers -----------------------------------------------------------------------------

# A Host header is echoed into connect-src only when it looks like a host (and optional port).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)


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
        "Cross-Origin-Resource-Policy": "same-origin",
    }
    if secure_context(scope):
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
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
