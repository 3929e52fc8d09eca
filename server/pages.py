"""Where the pages live and how they are rendered: the front-end folders (in the package when
installed from a wheel, beside it in a checkout) and the one Jinja2 environment every page
route uses."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.templating import Jinja2Templates

ROOT = Path(__file__).resolve().parent


def _assets(name: str) -> Path:
    """Front-end folders: in the package when installed from a wheel, beside it in a checkout."""
    packaged = ROOT / "assets" / name
    return packaged if packaged.is_dir() else ROOT.parent / name


ASSET_DIRS = {name: _assets(name) for name in ("facilitator", "participant")}


def _every_page(request: Request) -> dict[str, str]:
    return {"source_url": request.app.state.settings.source_url or "/source"}


templates = Jinja2Templates(
    directory=[d / "templates" for d in ASSET_DIRS.values()], context_processors=[_every_page]
)
