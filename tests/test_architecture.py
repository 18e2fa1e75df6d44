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
    """Every rag module a module imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "rag":
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "rag")
    return {name for name in found if name in MODULES}


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
