"""The layout of ARCHITECTURE.md: product code never imports the simulated outside world."""

import ast
from pathlib import Path

import safetynet

PACKAGE = Path(safetynet.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_product_code_never_imports_the_simulated_world():
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in {"simulated", "settings"}:
            continue
        found = {m for m in imported_modules(path) if m.startswith("safetynet.simulated")}
        if found:
            offenders[str(relative)] = sorted(found)
    assert offenders == {}


def test_the_check_sees_an_import():
    """The scan above is not blind: it finds the simulated world's own imports."""
    testing = PACKAGE / "simulated" / "agencies" / "testing.py"
    assert any(m.startswith("safetynet.simulated") for m in imported_modules(testing))
