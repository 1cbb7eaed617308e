"""The house rules a reviewer checks by hand, checked here: the layers depend downward only, no
module imports itself through others, only the git runner starts processes (CONTRIBUTING "Code
map"). ruff and mypy run as their own step of `.ci/run`, before the suite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "deploycount"


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def module_files(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py") if folder else PACKAGE.rglob("*.py"))


def named(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


# What each pure layer must never reach for: the commands, the pipeline, the I/O edges.
ABOVE = ("deploycount.commands", "deploycount.pipeline", "deploycount.cli")
EDGES = ("deploycount.git", "deploycount.repository", "deploycount.http", "deploycount.sinks")
RULES = {
    "render": ABOVE + EDGES,
    "sinks": ABOVE,
    "deploys": ("deploycount.commands", "deploycount.cli"),
}
PURE_MODULES = (
    "attribution", "history/linking", "history/states", "metrics", "tallies", "merge", "identity",
    "model", "trailers", "services", "window",
)  # fmt: skip


@pytest.mark.parametrize(("folder", "forbidden"), sorted(RULES.items()))
def test_layers_depend_downward(folder: str, forbidden: tuple[str, ...]) -> None:
    for path in module_files(folder):
        wrong = {m for m in imports_of(path) if m.startswith(forbidden)}
        assert not wrong, f"{named(path)} imports {sorted(wrong)}"


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_core_is_pure(module: str) -> None:
    wrong = {m for m in imports_of(PACKAGE / f"{module}.py") if m.startswith(ABOVE + EDGES)}
    assert not wrong, f"deploycount.{module.replace('/', '.')} imports {sorted(wrong)}"


def test_only_the_git_module_starts_processes() -> None:
    starters = {named(p) for p in module_files() if "subprocess" in imports_of(p)}
    assert starters == {"deploycount.git"}


def test_the_checks_above_can_fail(tmp_path: Path) -> None:
    """The import reader sees imports inside functions too (that is where the CLI keeps them)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import subprocess\n    from deploycount.pipeline import x\n")
    assert {"subprocess", "deploycount.pipeline", "deploycount.pipeline.x"} <= imports_of(sample)


def _runtime_imports(path: Path) -> set[str]:
    """The deploycount modules `path` imports when it runs (inside functions too), leaving out
    what only a type checker reads (`if TYPE_CHECKING:`)."""
    tree = ast.parse(path.read_text("utf-8"))
    checking = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for statement in node.body
        for child in ast.walk(statement)
    }
    modules = {named(p) for p in module_files()} | {
        named(p.parent) for p in module_files() if p.name == "__init__.py"
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in checking:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in modules}


def _import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in module_files():
        name = named(path).removesuffix(".__init__")
        # A package's own modules import it first; that edge is not a loop worth naming.
        graph[name] = {m for m in _runtime_imports(path) if not name.startswith(m + ".")}
    return graph


def _loops(graph: dict[str, set[str]]) -> list[list[str]]:
    loops, state = [], dict.fromkeys(graph, 0)  # 0 unseen, 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for other in sorted(graph.get(node, ())):
            if state.get(other) == 1:
                loops.append([*path[path.index(other) :], other])
            elif state.get(other) == 0:
                visit(other, [*path, other])
        state[node] = 2

    for node in sorted(graph):
        if state[node] == 0:
            visit(node, [node])
    return loops


def test_no_module_imports_itself_through_others() -> None:
    loops = _loops(_import_graph())
    assert not loops, "import loops: " + "; ".join(" -> ".join(loop) for loop in loops)


def test_the_loop_finder_can_fail() -> None:
    assert _loops({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _loops({"a": {"b"}, "b": set()}) == []
