"""`hearth link` on the machine that runs `hearth serve`, with no extra step: the server keeps
the host secret it made in a file only its user can read, `hearth link` prints a start link,
and `hearth link --room CODE` gets the facilitator back into a running room (the old console's
credential stops working). The file is gone when the server stops."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from server import launch
from server.cli import link_command, link_options
from server.http.pages import templates
from server.settings import Settings
from tests.support import Client, ServeProcess


def hearth_link(port: int, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "link", "--port", str(port), *flags],
        capture_output=True,
        text=True,
        timeout=30,
    )


async def test_hearth_link_after_serve_opens_the_running_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HEARTH_HOST_SECRET", raising=False)
    server = ServeProcess(host_secret="").start()  # as ./deploy/dev serve: a secret it makes
    try:
        kept = tmp_path / "hearth" / f"host-secret-{server.port}"
        assert kept.exists() and stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700

        # a start link, as after a lost first link
        start = hearth_link(server.port)
        assert start.returncode == 0, start.stderr
        ticket = start.stdout.strip().splitlines()[0].partition("#ticket=")[2]
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            host = (await http.post("/api/tickets/exchange", json={"ticket": ticket})).json()
            assert host["kind"] == "host"
            made = await http.post(
                "/api/rooms",
                headers={"Authorization": f"Bearer {host['credential']}"},
                json={"k": 3},
            )
            room = made.json()
        console = await Client.join(server, room, "facilitator")  # type: ignore[arg-type]
        await console.command({"type": "open", "activity": {"kind": "prompt", "text": "Hello"}})

        # the console tab closes; the facilitator runs `hearth link --room CODE`
        await console.close()
        back = hearth_link(server.port, "--room", room["code"].lower())
        assert back.returncode == 0, back.stderr
        ticket = back.stdout.strip().splitlines()[0].partition("#ticket=")[2]
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            grant = (await http.post("/api/tickets/exchange", json={"ticket": ticket})).json()
        assert grant["kind"] == "facilitator" and grant["code"] == room["code"]
        again = await Client.join(  # type: ignore[arg-type]
            server, {**room, "facilitator_credential": grant["credential"]}, "facilitator"
        )
        assert again.view["activity"]["definition"]["text"] == "Hello"
        old = await Client.connect(
            server.ws_url,
            role="facilitator",
            code=room["code"],
            credential=room["facilitator_credential"],
        )
        assert (await old.expect("error"))["code"] == "unauthorised"

        missing = hearth_link(server.port, "--room", "ACDEFG")
        assert missing.returncode == 1 and "No session with that code" in missing.stderr
    finally:
        output = server.stop()
    assert not kept.exists(), "the secret file is removed when the server stops"
    # not the default port: the banner names the --port that `hearth link` needs to find it
    assert f"`hearth link --port {server.port}` prints another" in output
    assert f"`hearth link --room CODE --port {server.port}` brings it back" in output
    assert json.dumps(room["facilitator_credential"]) not in output


def test_hearth_link_without_a_server_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("HEARTH_HOST_SECRET", raising=False)
    result = hearth_link(1)
    assert result.returncode == 2 and "HEARTH_HOST_SECRET" in result.stderr
    assert "on port 1 here" in result.stderr
    # an address given is the one named, not the default port
    asked = subprocess.run(
        [sys.executable, "-m", "server.cli", "link", "--url", "http://127.0.0.1:18143"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert asked.returncode == 2 and "at http://127.0.0.1:18143;" in asked.stderr, asked.stderr


# (host, port) -> what `hearth link` needs: 127.0.0.1 reaches a server on every interface or on
# the loopback; another address needs --url; a port not the default needs --port.
LINK_OPTIONS = {
    ("0.0.0.0", 8000): "",
    ("127.0.0.1", 8000): "",
    ("::", 8000): "",
    ("localhost", 8000): "",
    ("0.0.0.0", 8123): "--port 8123",
    ("127.0.0.1", 9000): "--port 9000",
    ("192.168.1.20", 8000): "--url http://192.168.1.20:8000",
    ("192.168.1.20", 8123): "--url http://192.168.1.20:8123",
    ("::1", 8123): "--url http://[::1]:8123",
}


@pytest.mark.parametrize(("host", "port"), list(LINK_OPTIONS))
def test_the_link_command_names_what_finds_this_server(host: str, port: int) -> None:
    assert link_options(host, port) == LINK_OPTIONS[host, port]
    assert link_command(host, port, "CODE").startswith("hearth link --room CODE")
    # the console's page says the same to the console (its hints, its lost-room screen)
    settings = Settings(host=host, port=port)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))
    page = templates.get_template("console.html").render(
        request=request, source_url="/source", lang="en", dir="ltr", languages=[]
    )
    assert f'<main id="app" data-link-options="{LINK_OPTIONS[host, port]}" ' in page


def test_hearth_serve_on_a_port_in_use_says_so_and_prints_no_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, the banner printed a one-time link, then the server failed to bind: the link
    opened whatever else listened there (another Hearth, which knew nothing of it)."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "server.cli", "serve", "--no-open",
             "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert result.returncode == 1, result
    assert f"Port {port} is already in use" in result.stderr
    assert f"hearth serve --port {port + 1}" in result.stderr
    assert "ticket=" not in result.stdout + result.stderr


def test_the_command_named_is_one_this_computer_can_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outside tester, from a checkout started with ./deploy/dev serve, typed the `hearth
    link --room CODE` the banner and the console named: "command not found", the venv's bin not
    being on the PATH. Both now name the script that is running when `hearth` is not it."""
    program = Path(sys.executable).with_name("hearth")
    assert program.exists(), "the virtualenv's hearth script (pip install -e .)"
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    plain = {"PATH": "/usr/bin:/bin"}  # as a new terminal: no virtualenv on the PATH
    server = ServeProcess(host_secret="", program=[str(program)], env=plain).start()
    try:
        page = httpx.get(server.base_url + "/host").text
        assert f'data-link-program="{program.resolve()}"' in page, page[:400]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HEARTH_")} | plain
        named = subprocess.run(  # the command as named, typed in that terminal
            [str(program.resolve()), "link", "--port", str(server.port)],
            env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert named.returncode == 0 and "/host#ticket=" in named.stdout, named.stderr
    finally:
        out = server.stop()
    assert f"`{program.resolve()} link --port {server.port}` prints another" in out, out
    # installed on the PATH (pipx, the image), the word alone
    monkeypatch.setenv("PATH", f"{program.parent}:/usr/bin:/bin")
    assert launch.hearth_program(str(program)) == "hearth"
    assert launch.hearth_program("/usr/lib/python3/dist-packages/pytest") == "hearth"
