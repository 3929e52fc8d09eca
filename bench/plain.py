"""`hearth serve` without the fast path, for measuring what server/transport/fast.py is worth.

python -m bench.plain serve [hearth serve's options]: the same server with uvicorn's own sans-I/O
WebSocket protocol, so every socket takes the ASGI path (server/transport/asgi.py
SocketConnection: a bounded queue and one writer task per socket). The bench's target `plain`
runs it.
"""

from __future__ import annotations

from server import cli

if __name__ == "__main__":
    cli.FastPathProtocol = "websockets-sansio"  # type: ignore[misc,assignment]
    raise SystemExit(cli.main())
