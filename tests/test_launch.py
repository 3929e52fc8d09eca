"""`hearth serve` on a laptop: it opens the console in the default browser once it listens (a
fake browser command stands in, through the BROWSER variable Python's webbrowser honours), prints
every address phones could use, and draws the join QR code in the terminal."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server import launch
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "launch-test-host-secret-0123456789"
FAKE_BROWSER = """\
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(sys.argv[2].encode())
"""


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    """A listening socket, and a BROWSER command that sends it the URL it was asked to open."""
    script = tmp_path / "fake_browser.py"
    script.write_text(FAKE_BROWSER)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(60)
    port = listener.getsockname()[1]
    yield listener, f"{sys.executable} {script} {port} %s"
    listener.close()


def opened_url(listener: socket.socket) -> str:
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(10)
        chunks = []
        while chunk := connection.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def environment(browser_command: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HEARTH_") and k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(HEARTH_HOST_SECRET=SECRET, BROWSER=browser_command, TERM="xterm",
               PYTHONUNBUFFERED="1")
    return env


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(20)


def exchange(base: str, url: str) -> dict[str, object]:
    ticket = url.partition("#ticket=")[2]
    response = httpx.post(base + "/api/tickets/exchange", json={"ticket": ticket})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_serve_open_opens_the_console_in_the_browser(
    browser: tuple[socket.socket, str],
) -> None:
    listener, command = browser
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--open", "--host", "127.0.0.1",
         "--port", str(port)],
        cwd=ROOT, env=environment(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        url = opened_url(listener)  # the fake browser was started, and told where to go
        base = f"http://127.0.0.1:{port}"
        assert url.startswith(f"{base}/host#ticket="), url
        # Opened once the server listens: the one-time link works at once, as the host's.
        grant = exchange(base, url)
        assert grant == {"kind": "host", "code": None, "credential": SECRET}
    finally:
        stop(process)
        out = process.stdout.read().decode() if process.stdout else ""
        if process.stdout:
            process.stdout.close()
    assert "Opening the console in your browser" in out
    # Bound to this computer only: the banner says phones cannot reach it, and how to fix it.
    assert "phones cannot reach it" in out and "--host 0.0.0.0" in out


def read_until(fd: int, done: str, seconds: float = 60) -> str:
    """What a terminal shows, until `done` appears (the pty turns \\n into \\r\\n)."""
    seen = b""
    deadline = time.monotonic() + seconds
    while done.encode() not in seen.replace(b"\r\n", b"\n"):
        remaining = deadline - time.monotonic()
        assert remaining > 0, seen.decode(errors="replace")
        readable, _, _ = select.select([fd], [], [], remaining)
        if readable:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the process closed the terminal
                break
            seen += chunk
    return seen.replace(b"\r\n", b"\n").decode()


def test_in_a_terminal_it_prints_every_address_and_the_qr_code(
    browser: tuple[socket.socket, str],
) -> None:
    listener, command = browser
    port = free_port()
    terminal, child = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],  # open: auto
        cwd=ROOT, env=environment(command), stdin=subprocess.DEVNULL, stdout=child, stderr=child,
    )
    os.close(child)
    try:
        # auto, from a terminal with BROWSER set: the console opens without --open
        url = opened_url(listener)
        assert (exchange(f"http://127.0.0.1:{port}", url))["kind"] == "host"
        shown = read_until(terminal, "prints another")
        # A person at a terminal gets the link printed too (the same one-time link as opened);
        # systemd's journal gets none (tests/test_logs.py).
        assert f"Facilitator (one-time link): {url}" in shown, shown
        again = {"ticket": url.partition("#ticket=")[2]}  # a copy of the banner opens nothing now
        spent = httpx.post(f"http://127.0.0.1:{port}/api/tickets/exchange", json=again)
        assert spent.status_code == 404, spent.text
        join = re.search(r"Phones join: (\S+)", shown)
        assert join, shown
        expected = io.StringIO()
        launch.terminal_qr(join.group(1), expected)
        assert expected.getvalue().strip() in shown, shown  # the QR code of the join address
        addresses = launch.phone_addresses("0.0.0.0", port)
        assert addresses, "this machine has a network address"
        if len(addresses) > 1:
            for _, address in addresses:
                assert address in shown, shown
        for _, address in addresses:  # each one printed really reaches the server
            page = httpx.get(address)
            assert page.status_code == 200 and "join.js" in page.text, address
    finally:
        stop(process)
        os.close(terminal)


@pytest.mark.parametrize(
    ("choice", "terminal", "environ", "platform", "opens"),
    [
        ("always", False, {}, "linux", True),
        ("never", True, {"DISPLAY": ":0"}, "darwin", False),
        ("auto", True, {}, "darwin", True),
        ("auto", True, {}, "win32", True),
        ("auto", True, {"DISPLAY": ":0"}, "linux", True),
        ("auto", True, {}, "linux", False),  # a server's console: no desktop to open
        ("auto", False, {"DISPLAY": ":0"}, "linux", False),  # a service or a test: no terminal
        ("auto", True, {"BROWSER": "firefox"}, "linux", True),
    ],
)
def test_when_the_browser_opens(
    choice: str, terminal: bool, environ: dict[str, str], platform: str, opens: bool
) -> None:
    assert launch.should_open(choice, terminal, environ, platform) is opens


def test_no_open_and_a_bad_choice() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")}
    bad = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(free_port())],
        cwd=ROOT, env={**env, "HEARTH_OPEN": "sometimes"}, capture_output=True, text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "auto, always or never" in bad.stderr
    both = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--open", "--no-open"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_addresses_for_each_way_of_binding() -> None:
    assert launch.phone_addresses("127.0.0.1", 8000) == []
    assert launch.phone_addresses("localhost", 8000) == []
    assert launch.phone_addresses("192.168.1.20", 8000) == [("", "http://192.168.1.20:8000/join")]
    everywhere = launch.phone_addresses("0.0.0.0", 8000)
    assert all(not url.startswith(("http://127.", "http://169.254.")) for _, url in everywhere)
    assert launch.local_console("0.0.0.0", 8000) == "http://127.0.0.1:8000"
    assert launch.local_console("192.168.1.20", 8000) == "http://192.168.1.20:8000"
