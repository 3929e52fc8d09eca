"""The running version's source, served by the server itself (AGPL-3.0-or-later, section 13).

GET /source                 a page: the licence, and where this version's source can be had
GET /source/hearth-<v>.zip  the source of the code that is running, as a zip: the Python package,
                            the pages, pyproject.toml, README.md and LICENSE, laid out as in the
                            repository, so `pip install` of the unpacked folder builds it again
GET /source/LICENSE         the licence text

From a checkout the files are read beside the package; from a wheel, the pages and the three
root files are where pyproject.toml's force-include puts them (server/assets/).
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from server.http.pages import templates

PACKAGE = Path(__file__).resolve().parents[1]  # the server package
ASSETS = PACKAGE / "assets"
ROOT_FILES = ("pyproject.toml", "README.md", "LICENSE")
PAGES = ("facilitator", "participant", "shared")
SKIP_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
SKIP_SUFFIXES = {".pyc", ".pyo"}
FIXED_TIME = (2024, 1, 1, 0, 0, 0)  # the zip is the same bytes for the same files


def version() -> str:
    try:
        return metadata.version("hearth")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def installed() -> bool:
    return (ASSETS / "source").is_dir()


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix not in SKIP_SUFFIXES and not (
            SKIP_PARTS & set(path.relative_to(folder).parts)
        ):
            yield path


def files() -> list[tuple[str, Path]]:
    """(name in the archive, file on disk) for every file of the running version's source."""
    out: list[tuple[str, Path]] = []
    if installed():
        roots = {name: ASSETS / "source" / name for name in ROOT_FILES}
        pages = {name: ASSETS / name for name in PAGES}
    else:
        roots = {name: PACKAGE.parent / name for name in ROOT_FILES}
        pages = {name: PACKAGE.parent / name for name in PAGES}
    out += [(name, path) for name, path in roots.items() if path.is_file()]
    for path in _walk(PACKAGE):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] != "assets":
            out.append((f"server/{relative.as_posix()}", path))
    for name, folder in pages.items():
        out += [(f"{name}/{p.relative_to(folder).as_posix()}", p) for p in _walk(folder)]
    return out


def archive_name() -> str:
    return f"hearth-{version()}"


@functools.lru_cache(maxsize=1)
def archive() -> bytes:
    buffer = io.BytesIO()
    prefix = archive_name()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, path in files():
            info = zipfile.ZipInfo(f"{prefix}/{name}", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, path.read_bytes())
    return buffer.getvalue()


def licence_text() -> str:
    folder = ASSETS / "source" if installed() else PACKAGE.parent
    path = folder / "LICENSE"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


async def source_page(request: Request) -> Response:
    context = {"title": "Source", "archive": f"/source/{archive_name()}.zip", "version": version()}
    return templates.TemplateResponse(request, "source.html", context)


async def source_archive(request: Request) -> Response:
    if request.path_params["name"] != f"{archive_name()}.zip":
        return RedirectResponse(f"/source/{archive_name()}.zip", status_code=302)
    return Response(
        archive(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{archive_name()}.zip"'},
    )


async def licence(request: Request) -> Response:
    return PlainTextResponse(licence_text())


def routes() -> list[Route]:
    return [
        Route("/source", source_page),
        Route("/source/LICENSE", licence),
        Route("/source/{name:str}", source_archive),
    ]
