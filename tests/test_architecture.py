"""The shape of the code, checked: small modules, no import cycles, one place that reads the
environment, and no library code that sets process-wide state."""

import ast
import re
from collections import defaultdict
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "rag"
MODULES = {
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}


def imports_of(path: Path) -> set[str]:
    """Every other rag module a module imports, at its top or inside a function (a package
    importing its own submodules, `from rag.cli import ingest`, imports them, not itself)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rag":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rag")
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    return {name for name in found if name in MODULES and name != own}


def test_every_module_is_under_400_lines() -> None:
    long = {name: n for name, path in MODULES.items() if (n := len(path.read_text().splitlines())) >= 400}
    assert not long


def test_no_module_imports_itself_through_others() -> None:
    graph = defaultdict(set, {name: imports_of(path) for name, path in MODULES.items()})
    cycles = []

    def visit(start: str, node: str, path: list[str]) -> None:
        for following in graph[node]:
            if following == start and following != "rag":
                cycles.append(path)
            elif following not in path and following != "rag":
                visit(start, following, [*path, following])

    for name in MODULES:
        visit(name, name, [name])
    assert not cycles


def test_only_settings_and_the_command_line_read_the_environment() -> None:
    readers = {name for name, path in MODULES.items() if re.search(r"os\.environ|os\.getenv", path.read_text())}
    assert readers <= {"rag.settings", "rag.cli"}


def test_library_code_sets_no_process_wide_state() -> None:
    process_wide = re.compile(r"omp_set_num_threads|\.setLevel\(|basicConfig|os\.environ\[|environ\.setdefault")
    setters = {name for name, path in MODULES.items() if process_wide.search(path.read_text())}
    assert setters <= {"rag.cli", "rag.cli.common", "rag.cli.ingest", "rag.cli.serve", "rag.embed.onnx_model"}


# The house, top to bottom (docs: ARCHITECTURE.md): a module imports only from its own layer or
# the layers below it. A module's layer is that of the longest prefix listed.
LAYERS = (
    ("doors", ("rag.cli", "rag.serve", "rag.mcp", "rag.eval")),
    ("app", ("rag.app", "rag.briefings", "rag.parts", "rag.shapes", "rag.limits")),
    ("pipelines", ("rag.answer", "rag.retrieve", "rag.brief", "rag.ingest", "rag.stories", "rag.index_model")),
    (
        "services",
        ("rag.reader", "rag.store", "rag.embed", "rag.llm", "rag.prompt", "rag.cite", "rag.nlp", "rag.dates"),
    ),
    ("services", ("rag.timeframe",)),
    ("base", ("rag.types", "rag.errors", "rag.text", "rag.settings", "rag.terminal", "rag.store.spec")),
)
RANK = {"base": 0, "services": 1, "pipelines": 2, "app": 3, "doors": 4}


def layer_of(module: str) -> str:
    if module == "rag":
        return "doors"  # the package's face for Python callers: `from rag import Rag`
    prefixes = [(prefix, name) for name, listed in LAYERS for prefix in listed]
    matching = [(len(p), name) for p, name in prefixes if module == p or module.startswith(p + ".")]
    assert matching, f"{module} belongs to no layer; add it to LAYERS"
    return max(matching)[1]


def test_every_module_belongs_to_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_imports_run_down_the_layers_never_up() -> None:
    upward = sorted(
        f"{name} ({layer_of(name)}) imports {imported} ({layer_of(imported)})"
        for name, path in MODULES.items()
        for imported in imports_of(path)
        if imported != "rag" and RANK[layer_of(imported)] > RANK[layer_of(name)]
    )
    assert not upward, "\n".join(upward)


def test_the_top_of_the_package_holds_about_a_dozen_modules() -> None:
    top = [p for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= 20, sorted(p.name for p in top)
