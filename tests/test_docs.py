"""The docs name tests and files that exist: a renamed test or moved file fails here, not silently
in a reader's hands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TEST_REF = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")
FILE_REF = re.compile(r"`((?:server|bench|deploy|facilitator|participant|tests)/[\w./-]+)`")
INSTALLED_ONLY = {"server/assets/"}  # where the wheel puts the pages, not a folder of the checkout


def test_docs_name_tests_that_exist() -> None:
    missing = []
    for doc in DOCS:
        for path, name in TEST_REF.findall(doc.read_text()):
            source = ROOT / path
            if not source.exists():
                missing.append(f"{doc.name}: {path}")
            elif name and not re.search(rf"def {name}\b", source.read_text()):
                missing.append(f"{doc.name}: {path}::{name}")
    assert not missing, missing


def test_docs_name_files_that_exist() -> None:
    missing = [
        f"{doc.name}: {ref}"
        for doc in DOCS
        for ref in FILE_REF.findall(doc.read_text())
        if ref not in INSTALLED_ONLY and not (ROOT / ref.rstrip("/")).exists()
    ]
    assert not missing, missing


def test_the_project_cites_nothing_outside_it() -> None:
    """What the project relies on is in docs/ (promises.md, design.md), not in notes elsewhere."""
    outside = re.compile(r"PRODUCT\.md|ARCHITECTURE\.md|\.\./shared")
    sources = [*DOCS, *ROOT.glob("tests/**/*.py"), *ROOT.glob("server/**/*.py")]
    cited = [str(path.relative_to(ROOT)) for path in sources if outside.search(path.read_text())]
    assert not cited, cited
