"""The layout's promises: every kind is a plug-in behind one registry, data flows one way, and
nothing downstream is reached from upstream; every folder says what it holds."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import kommiljard
from kommiljard.errors import RuleFileError
from kommiljard.kinds import KINDS, kind_of
from kommiljard.rules.models import BLOCK_KINDS, BLOCK_MODELS

PACKAGE = Path(kommiljard.__file__).parent
# Stages in the order data flows; a module may import from its own stage or an earlier one. Sweeps
# write their parts with the output layer's atomic files; the sample panel is drawn with the
# sweeps' model; outputs draw sweeps from their files, never from the sweeps' modules. Forecasting
# sweeps fitted scenarios (which carry their own model into the sweep); sweeps never reach up for it.
STAGES = [
    "errors",
    "language",
    "money",
    "inputs",
    "rules",
    "kinds",
    "engine",
    "analysis",
    "outputs",
    "sweeps",
    "forecasting",
    "sample",
    "cli",
]


def stage_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "kommiljard"


def imports_of(path: Path, module: str) -> set[str]:
    """Every kommiljard module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found |= {target} if node.module else {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m.split(".")[0] == "kommiljard" and m != "kommiljard"}


def modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        out[".".join(parts)] = path
    return out


def test_data_flows_one_way_between_stages():
    wrong = []
    for module, path in modules().items():
        here = stage_of(module)
        for target in imports_of(path, module):
            there = stage_of(target)
            if here in STAGES and there in STAGES and STAGES.index(there) > STAGES.index(here):
                wrong.append(f"{module} imports {target} ({there} comes after {here})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_between_modules():
    graph = {m: {t for t in imports_of(p, m) if t in modules()} for m, p in modules().items()}
    seen, stack, cycles = set(), [], []

    def visit(node):
        if node in stack:
            cycles.append(stack[stack.index(node) :] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        stack.pop()

    for m in graph:
        visit(m)
    # a package's __init__ importing its own submodules is not a cycle of the design
    real = [c for c in cycles if not all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:]))]
    assert not real, "\n".join(" -> ".join(c) for c in real)


def test_every_folder_and_module_opens_with_a_docstring():
    missing = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None
    ]
    assert not missing


def test_the_top_level_holds_a_handful_of_modules():
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "engine", "errors", "language", "money", "sample"]


def test_every_rule_kind_has_a_registered_plug_in_and_back():
    assert set(KINDS) == set(BLOCK_KINDS)
    for model in BLOCK_MODELS:
        kind = KINDS[model.model_fields["kind"].annotation.__args__[0]]
        for method in (
            "coverage",
            "arrays",
            "reference",
            "fast",
            "tables",
            "cells",
            "cell_of",
            "explain",
            "figure",
            "route_names",
            "step_names",
        ):
            assert callable(getattr(kind, method)), (kind.name, method)


def test_an_unknown_kind_is_an_error_never_a_fallback():
    class Block:
        kind = "bonus_pot"

    with pytest.raises(RuleFileError, match="no kind of rule block called 'bonus_pot'"):
        kind_of(Block())


def test_importing_the_package_loads_no_engine_and_no_numba():
    import subprocess
    import sys

    heavy = ("numba", "matplotlib", "scipy", "kommiljard.engine")
    code = f"import sys, kommiljard, kommiljard.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


PANEL = str(PACKAGE.parent / "data" / "sample_panel_2019.parquet")


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (["--help"], ("numba", "pandera", "pandas", "matplotlib", "scipy")),
        (["validate", PANEL], ("numba", "matplotlib", "scipy")),
        (["explain", PANEL, "--region", "06", "--month", "2019-10", "--group", "operation"], ("numba", "matplotlib")),
        (["payout", PANEL], ("numba", "matplotlib", "scipy", "hypothesis")),
        (["whatif", PANEL, "--region", "06", "--improve", "3"], ("numba", "matplotlib", "scipy")),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else None,
)
def test_one_panel_commands_load_no_compiler(args, absent):
    """A command that computes one panel runs the readable rules: it never starts numba (nor what it does not use)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom kommiljard.cli import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        f"print(sorted(m for m in {absent!r} if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", [m for m in modules() if not m.endswith("__main__")])
def test_every_module_imports(name):
    importlib.import_module(name)


def test_pkgutil_sees_the_stage_folders():
    assert {m.name for m in pkgutil.iter_modules([str(PACKAGE)]) if m.ispkg} >= {
        "inputs",
        "rules",
        "kinds",
        "analysis",
        "sweeps",
        "forecasting",
        "outputs",
        "cli",
    }
