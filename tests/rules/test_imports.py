"""The rules package imports one way and gives the whole registry, whatever is imported first."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import safetynet.rules
from safetynet.rules.catalog import CATALOG, PROGRAM_CODES

RULES = Path(safetynet.rules.__file__).parent
MODULES = sorted(p.stem for p in RULES.glob("*.py") if p.stem != "__init__")

PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
from safetynet.rules.engine import PROGRAMS
print(json.dumps({"programs": list(PROGRAMS), "django": "django" in sys.modules}))
"""


@pytest.mark.parametrize(
    "module", ["safetynet.rules", "safetynet.rules.engine", "safetynet.rules.parameters"]
)
def test_a_fresh_interpreter_gets_the_whole_registry(module):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True
    )
    got = json.loads(out.stdout)
    assert got["programs"] == list(PROGRAM_CODES)
    assert got["django"] is False  # rules never import Django


def _sibling_imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level sibling imports, sibling imports inside functions) of a rules module."""
    tree = ast.parse(path.read_text("utf-8"))
    top, late = set(), set()

    def names(node) -> set[str]:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                return {node.module.split(".")[0]}
            return {a.name for a in node.names}
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("safetynet.rules."):
            return {node.module.split(".")[2]}
        return set()

    for node in tree.body:
        top |= names(node)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for sub in ast.walk(node):
                late |= names(sub)
    return top & set(MODULES), late & set(MODULES)


def test_module_level_imports_have_no_cycle():
    graph = {m: _sibling_imports(RULES / f"{m}.py")[0] for m in MODULES}
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        assert m not in path, f"import cycle: {' -> '.join((*path, m))}"
        if m in done:
            return
        for n in graph[m]:
            visit(n, (*path, m))
        done.add(m)

    for m in MODULES:
        visit(m, ())


def test_the_core_modules_do_not_import_programs_late():
    """engine, parameters and situation no longer import the programs inside functions (the
    registry is complete once the package is imported)."""
    for m in ("engine", "parameters", "situation", "job", "batch"):
        assert "programs" not in _sibling_imports(RULES / f"{m}.py")[1], m


def test_the_registry_is_the_catalogue():
    from safetynet.rules import PROGRAMS

    assert list(PROGRAMS) == list(PROGRAM_CODES)
    for code, prog in PROGRAMS.items():
        assert prog.title == CATALOG[code].title
