"""The shape of the code (docs/design.md): no import circle in server/, each rule written once,
and modules small enough to read in one sitting."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from server.domain.codes import CODE_ALPHABET

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "server"
PAGES = [ROOT / "facilitator", ROOT / "participant", ROOT / "shared"]
MAX_PYTHON_LINES = 400
MAX_JS_LINES = 300


def python_modules() -> Iterator[Path]:
    yield from sorted(p for p in SERVER.rglob("*.py") if "assets" not in p.parts)


def js_modules() -> Iterator[Path]:
    for folder in PAGES:
        yield from sorted(p for p in folder.rglob("*.js") if "vendor" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Modules of server/ that `path` imports, TYPE_CHECKING imports included."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join([*base, *(node.module.split(".") if node.module else [])])
            submodules = {f"{stem}.{alias.name}" for alias in node.names} & known
            if not submodules:  # "from pkg import module" imports the module, not pkg's face
                found.add(stem)
            found |= submodules
    return {name for name in found if name in known}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in python_modules()}
    known = set(paths)
    return {name: imports_of(path, known) - {name} for name, path in paths.items()}


def test_no_import_circle_in_server() -> None:
    graph = import_graph()
    assert graph["server.service.watch"] >= {"server.transport.hub"}  # the checker sees imports at all
    assert cycles(graph) == []


def test_the_checker_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_python_module_is_too_long() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_PYTHON_LINES
    }
    assert long == {}


def test_no_page_module_is_too_long() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in js_modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_JS_LINES
    }
    assert long == {}


def occurrences(pattern: str, paths: Iterator[Path]) -> set[str]:
    regex = re.compile(pattern)
    return {
        str(p.relative_to(ROOT))
        for p in paths
        if regex.search(p.read_text(encoding="utf-8"))
    }


def test_each_rule_lives_in_one_place() -> None:
    # One wall clock.
    assert occurrences(r"time\.time\(\)", python_modules()) == {"server/clock.py"}
    # One strict base model.
    assert occurrences(r"ConfigDict\([^)]*strict=True", python_modules()) == {"server/domain/models.py"}
    assert occurrences(r"(?m)^class Strict\b", python_modules()) == {"server/domain/models.py"}
    # One module for authentication: origins, forwarded TLS, bearer, the host secret.
    assert occurrences(r"x-forwarded-proto", python_modules()) == {"server/http/auth.py"}
    assert occurrences(r"[\"']origin[\"']", python_modules()) == {"server/http/auth.py"}
    assert occurrences(r"[\"']authorization[\"']", python_modules()) == {"server/http/auth.py"}
    assert occurrences(r"\.host_secret\b(?!\s*=)", python_modules()) <= {
        "server/http/auth.py", "server/app.py", "server/cli.py", "server/http/ticket_routes.py", "server/settings.py"
    }  # fmt: skip
    assert occurrences(r"compare_digest", python_modules()) == {
        "server/http/auth.py",  # secrets given as they are (the host secret)
        "server/domain/codes.py",  # credentials against the digests the store keeps
        "server/store/base.py",  # side tags
    }
    # The join-code alphabet: written once, in Python; the redaction pattern and the pages
    # take it from there.
    assert occurrences(re.escape(CODE_ALPHABET), python_modules()) == {"server/domain/codes.py"}
    assert occurrences(re.escape(CODE_ALPHABET[:8]), js_modules()) == set()


# -- docs/design.md's table of messages -----------------------------------------------------------


def message_table() -> list[list[str]]:
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = text.split("## Every message:", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def named(cell: str) -> list[tuple[Path, list[str]]]:
    """`file` `name` `name`; `file` `name` -> each file with the names that follow it."""
    found: list[tuple[Path, list[str]]] = []
    for token in re.findall(r"`([^`]+)`", cell):
        if token.endswith((".py", ".js")):
            found.append((ROOT / token, []))
        else:
            assert found, f"{token} names no file: {cell}"
            found[-1][1].append(token)
    return found


def test_the_design_table_names_every_message_where_it_lives() -> None:
    from server.store.base import RoomStore
    from server.wire import protocol as p

    rows = message_table()
    types = {(row[0].strip("`"), row[1] == "server") for row in rows}
    assert len(types) == len(rows)  # one row each
    assert types == {(t, False) for t in p.CLIENT_TYPES} | {(t, True) for t in p.SERVER_TYPES}
    for kind, sender, defined, applied, stored, pages in rows:
        kind = kind.strip("`")
        for path, names in named(defined) + named(applied):
            source = path.read_text(encoding="utf-8")
            for name in names:
                assert re.search(rf"\b{re.escape(name)}\b", source), (kind, path.name, name)
        [(path, [model])] = named(defined)
        model_source = path.read_text(encoding="utf-8").split(f"class {model}(", 1)[1]
        assert f'Literal["{kind}"]' in model_source.split("\nclass ", 1)[0], (kind, model)
        for method in re.findall(r"`([^`]+)`", stored):
            assert callable(getattr(RoomStore, method, None)), (kind, method)
        sent_or_handled = rf'case "{kind}"' if sender == "server" else rf'type: "{kind}"'
        modules = [path for path, _ in named(pages)]
        assert all(path.is_file() for path in modules), (kind, modules)
        assert re.search(sent_or_handled, modules[0].read_text(encoding="utf-8")), (kind, modules)
