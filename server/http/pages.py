"""Where the pages live and how they are rendered: the front-end folders (in the package when
installed from a wheel, beside it in a checkout) and the one Jinja2 environment every page
route uses."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from server.domain.codes import CODE_ALPHABET, CODE_LENGTH

ROOT = Path(__file__).resolve().parents[1]  # the server package


def _assets(name: str) -> Path:
    """Front-end folders: in the package when installed from a wheel, beside it in a checkout."""
    packaged = ROOT / "assets" / name
    return packaged if packaged.is_dir() else ROOT.parent / name


# facilitator/ and participant/ hold each side's pages; shared/ the modules all three screens use.
ASSET_DIRS = {name: _assets(name) for name in ("facilitator", "participant", "shared")}


def _every_page(request: Request) -> dict[str, str]:
    # The join-code alphabet is defined once (server/domain/codes.py); the phone page reads it
    # from here.
    return {
        "source_url": request.app.state.settings.source_url or "/source",
        "code_alphabet": CODE_ALPHABET,
        "code_length": str(CODE_LENGTH),
    }


templates = Jinja2Templates(
    directory=[d / "templates" for d in ASSET_DIRS.values() if (d / "templates").is_dir()],
    context_processors=[_every_page],
)
