"""Install anywhere Python runs: the wheel CI builds installs into a fresh virtualenv, and a whole
session runs against `hearth serve` from it: pages and assets from the installed package (not the
checkout), no speed-up (uvloop, httptools, hiredis) present, the source at /source.

To stay quick on two cores the wheel is built without build isolation (hatchling is a test
dependency) and the fresh virtualenv gets hearth's dependencies from a read-only view of this
virtualenv's site-packages (hearth itself and the speed-ups left out) instead of the network;
`pip check` then proves the wheel's requirements are met by what it sees."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy_support import connect, whole_session
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
SECRET = "wheel-test-host-secret-0123456789"
# Left out of the fresh virtualenv: hearth itself (this checkout's editable install) and every
# optional speed-up, so the run proves Hearth falls back to plain asyncio, h11 and redis-py.
LEFT_OUT = re.compile(
    r"^(server|hearth|__editable__|_editable_impl_hearth|uvloop|httptools|hiredis|watchfiles"
    r"|dotenv|python_dotenv)([-_.].*)?$",
    re.IGNORECASE,
)


def run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=180, **kwargs  # type: ignore[call-overload]
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
        "-q", "-w", out, ROOT)
    [built] = out.glob("hearth-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("venv")
    fresh = base / "fresh"
    run(sys.executable, "-m", "venv", "--without-pip", fresh)
    python = fresh / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    deps = base / "deps"  # this virtualenv's packages, less hearth and the speed-ups
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not LEFT_OUT.match(entry.name) and entry.suffix != ".pth":
            (deps / entry.name).symlink_to(entry)
    (site / "test-deps.pth").write_text(f"{deps}\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "-q", wheel)
    checked = run(sys.executable, "-m", "pip", "--python", python, "check")
    assert "No broken requirements found" in checked.stdout
    return fresh


def test_the_wheel_carries_the_pages_the_licence_and_the_source(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("server/app.py", "server/domain/library/plans/01-stopping-is-not-changing.yaml",
                   "server/assets/facilitator/templates/console.html",
                   "server/assets/participant/static/join.js",
        "server/assets/shared/static/connection.js",
                   "server/assets/participant/templates/privacy.html",
                   "server/assets/source/pyproject.toml", "server/assets/source/LICENSE"):
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    assert not any(n.endswith(".pyc") or n.startswith("tests/") for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    requires = re.findall(r"^Requires-Dist: (\S+)(.*)$", metadata.decode(), re.M)
    plain = {name for name, rest in requires if "extra ==" not in rest}
    assert not plain & {"uvloop", "httptools", "hiredis"}, "speed-ups must stay optional"
    assert not any("[" in name for name in plain), plain  # no uvicorn[standard], redis[hiredis]


@pytest.fixture
def served(venv: Path, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEARTH_", "PYTHON"))}
    env.update(HEARTH_HOST_SECRET=SECRET, BROWSER="false")
    process = subprocess.Popen(
        [venv / "bin" / "hearth", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--no-open"],
        cwd=tmp_path,  # not the checkout: nothing can be imported from it
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "hearth serve from the wheel did not start"
        try:
            if httpx.get(base + "/livez", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(20)


def test_the_installed_package_runs_without_the_checkout_or_speed_ups(venv: Path) -> None:
    python = venv / "bin" / "python"
    probe = run(
        python, "-c",
        "import importlib.util as u, server.http.routes as w, server.http.source_routes as s\n"
        "print(all(u.find_spec(m) is None for m in ('uvloop', 'httptools', 'hiredis')))\n"
        "print(*w.ASSET_DIRS.values(), s.installed())",
        cwd=venv,
    ).stdout.split()
    assert probe[0] == "True", "a speed-up leaked into the fresh virtualenv"
    assert all(str(venv) in path and "site-packages" in path for path in probe[1:4]), probe
    assert probe[4] == "True"


async def test_a_session_runs_against_hearth_serve_from_the_wheel(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = served
    async with httpx.AsyncClient(base_url=base) as http:
        for page, asset in (("/host", "/static/facilitator/console.js"),
                            ("/join", "/static/participant/join.js"),
                            ("/display", "/static/facilitator/display.js")):
            html = (await http.get(page)).text
            assert asset in html, page
            assert (await http.get(asset)).status_code == 200, asset
        created = await http.post("/api/rooms", headers={"Authorization": f"Bearer {SECRET}"},
                                  json={"k": 3})
        assert created.status_code == 201, created.text
        room = created.json()
        source = await http.get("/source")
        archive = re.search(r'href="(/source/hearth-[^"]+\.zip)"', source.text)
        assert archive, source.text
        zipped = zipfile.ZipFile(io.BytesIO((await http.get(archive.group(1))).content))
        inside = {n.split("/", 1)[1] for n in zipped.namelist()}
        assert {"pyproject.toml", "LICENSE", "server/app.py",
                "facilitator/templates/console.html"} <= inside
    ws = base.replace("http://", "ws://") + "/ws"
    receipt = await whole_session(lambda role, _: connect(ws, room, role), phones=4)
    assert receipt["deleted"] > 0 and receipt["remaining"] == 0
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=20)
    assert process.returncode == 0, out
    assert "Traceback" not in out, out


def test_the_images_asset_check_passes_on_the_installed_wheel(venv: Path) -> None:
    """deploy/Dockerfile checks at build time that the wheel carried the front-end in; its exact
    check runs here against the same kind of install, so a front-end folder it does not know
    (shared/ has no templates) cannot break the image unseen."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    [check] = re.findall(r'python -c "(from server[^"]+)"', dockerfile)
    run(venv / "bin" / "python", "-c", check, cwd=venv)
