"""The layout's promises: every kind is a plug-in behind one registry, data flows one way, and
nothing downstream is reached from upstream; every folder says what it holds."""

from __future__ import annotations

import ast
import functools
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import kommiljard
from kommiljard.errors import RuleFileError
from kommiljard.kinds import KINDS, block_models, kind_of
from kommiljard.kinds.registry import model_kind

PACKAGE = Path(kommiljard.__file__).parent
# Stages in the order data flows; a module may import from its own stage or an earlier one. The
# building blocks of rule models (rules.common) and the bundled rule texts in Swedish (rules.texts) come
# before the kinds, whose folders hold their
# models; the rule set (rules) is the union of the registered kinds' models, so it comes after
# them. Sweeps write their parts with the output layer's atomic files; the sample panel is drawn
# with the sweeps' model; outputs draw sweeps from their files, never from the sweeps' modules.
# Forecasting sweeps fitted scenarios (which carry their own model into the sweep); sweeps never
# reach up for it.
STAGES = [
    "errors",
    "language",
    "money",
    "compiling",
    "inputs",
    "rules.common",
    "rules.texts",
    "kinds",
    "rules",
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
    if ".".join(parts[1:3]) in STAGES:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else "kommiljard"


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def imports_of(path: Path, module: str) -> set[str]:
    """Every kommiljard module ``path`` imports, at the top or inside a function."""
    tree = parsed(path)
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


@functools.cache
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
    known = modules()
    graph = {m: {t for t in imports_of(p, m) if t in known} for m, p in known.items()}
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
    missing = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if ast.get_docstring(parsed(p)) is None]
    assert not missing


def test_the_top_level_holds_a_handful_of_modules():
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "compiling", "engine", "errors", "language", "money", "sample"]


def test_every_rule_kind_has_a_registered_plug_in_and_back():
    assert set(KINDS) == {model_kind(m) for m in block_models()}
    for name, kind in KINDS.items():
        assert kind.model in block_models() and model_kind(kind.model) == name
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
            "parameter_text",
            "lever",
            "draw",
            "sweep_plan",
            "page_cell",
        ):
            assert callable(getattr(kind, method)), (kind.name, method)


def kind_folders() -> set[str]:
    """The folders of kinds/ that hold a kind (a ``kind.py``)."""
    return {p.parent.name for p in (PACKAGE / "kinds").glob("*/kind.py")}


def kind_mentions(module: str, source: str, imported: set[str]) -> list[str]:
    """Where a module imports a kind's folder (its rules model included), names a kind's model or writes a kind's
    name (``imported``: the modules it imports)."""
    folders, names = kind_folders(), set(KINDS)
    models = {k.model.__name__ for k in KINDS.values()}
    found = [
        f"{module} imports {target}"
        for target in sorted(imported)
        if target.split(".")[:2] == ["kommiljard", "kinds"] and len(target.split(".")) > 2
        and target.split(".")[2] in folders
    ]  # fmt: skip
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"{module} writes {n!r}" for n in names if n in node.value]
        elif isinstance(node, ast.Name | ast.alias | ast.Attribute):
            named = getattr(node, "id", None) or getattr(node, "name", None) or node.attr
            found += [f"{module} names {named}" for m in models if named.split(".")[-1] == m]
    return found


def test_nothing_outside_kinds_names_a_kind():
    """No module outside kinds/ imports a kind's folder (its rules model included), names a kind's model, or
    writes a kind's name: every command asks the registry."""
    wrong = []
    for module, path in modules().items():
        if module != "kommiljard.kinds" and not module.startswith("kommiljard.kinds."):
            wrong += kind_mentions(module, path.read_text(encoding="utf-8"), imports_of(path, module))
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_the_kind_check_catches_what_it_should():
    """The check above sees each way of naming a kind (it is not vacuous)."""
    assert kind_folders() >= {"staircase", "threshold", "population_share"}
    source = (
        "from ..kinds.staircase.rules import ImprovementStaircase\n"
        "def f(rules):\n"
        "    return [b for b in rules.blocks if b.kind == 'absolute_threshold' or isinstance(b, ImprovementStaircase)]"
    )
    found = kind_mentions("m", source, {"kommiljard.kinds.staircase.rules", "kommiljard.kinds.base"})
    assert sorted(set(found)) == [
        "m imports kommiljard.kinds.staircase.rules",
        "m names ImprovementStaircase",
        "m writes 'absolute_threshold'",
    ]
    assert kind_mentions("m", "from ..kinds import kind_of\n", {"kommiljard.kinds"}) == []


def test_an_unknown_kind_is_an_error_never_a_fallback():
    class Block:
        kind = "bonus_pot"

    with pytest.raises(RuleFileError, match="no kind of rule block called 'bonus_pot'"):
        kind_of(Block())


@pytest.mark.slow
def test_importing_the_package_loads_no_engine_and_no_numba():
    import subprocess
    import sys

    heavy = ("numba", "matplotlib", "scipy", "kommiljard.engine")
    code = f"import sys, kommiljard, kommiljard.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


PANEL = str(PACKAGE.parent / "data" / "sample_panel_2019.parquet")


@pytest.mark.slow
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


# ---- functions a person can hold in mind ------------------------------------------------------------------------
MAX_LINES, MAX_POSITIONAL = 80, 6  # beyond 6 parameters, keyword-only; numba kernels are exempt (see below)
NUMBA = re.compile(r"\b(n?jit|kernel|vectorize|guvectorize|numba\.\w+)\b")  # kernel: kommiljard.compiling's


@functools.cache
def functions() -> dict[str, tuple[int, int]]:
    """Every function and method of the package outside numba kernels (whose loops read best whole and whose
    arguments numba takes by position), by qualified name: its lines and its positional parameters (without
    ``self`` or ``cls``)."""
    found = {}

    def walk(node: ast.AST, prefix: str, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}.{child.name}", True)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}.{child.name}"
                decorators = [ast.unparse(d) for d in child.decorator_list]
                if not any(NUMBA.search(d) for d in decorators):
                    positional = len(child.args.posonlyargs) + len(child.args.args)
                    if in_class and "staticmethod" not in decorators:
                        positional -= 1
                    found[name] = (child.end_lineno - child.lineno + 1, positional)
                walk(child, name, False)
            else:
                walk(child, prefix, in_class)

    for module, path in modules().items():
        walk(parsed(path), module, False)
    return found


# The functions still too long or taking too many positional parameters, each with who shrinks it. The list may
# only shrink: a function that no longer offends must leave it (the test says so), and nothing may join it.
TOO_BIG = {
    # The kinds' own files (the kinds helpers): the staircase and threshold references, kernels' wrappers and
    # figures; the what-if analysis, the page and the engine's payout.
    "kommiljard.kinds.staircase.kernel.staircase_outcomes": "82 lines, 10 positional parameters",
    "kommiljard.kinds.staircase.reference.allocate_cell": "7 positional parameters",
    "kommiljard.kinds.threshold.reference.allocate_threshold_cell": "7 positional parameters",
    "kommiljard.outputs.page.write_page": "7 positional parameters",
    # The commands of the deliverables (the deliver helper): options as named aliases, keyword-only (as
    # cli/sweep.py), the printing split out; analysis.explain.explain with cli/explain.py, which calls it.
    "kommiljard.cli.compare.compare": "106 lines, 14 positional parameters",
    "kommiljard.cli.compare.compare_sweep": "7 positional parameters",
    "kommiljard.cli.explain.explain": "9 positional parameters",
    "kommiljard.cli.importing.import_": "7 positional parameters",
    "kommiljard.cli.page.page": "12 positional parameters",
    "kommiljard.cli.payout.payout": "11 positional parameters",
    "kommiljard.cli.plot.plot": "12 positional parameters",
    "kommiljard.cli.report.report": "9 positional parameters",
    "kommiljard.cli.whatif.whatif": "183 lines, 18 positional parameters",
    # The importer's layouts (the hardening helper).
    "kommiljard.inputs.layouts._own_group": "7 positional parameters",
    "kommiljard.inputs.layouts._own_rows": "7 positional parameters",
    "kommiljard.inputs.layouts._title_group_and_measure": "7 positional parameters",
    "kommiljard.inputs.layouts._unit": "7 positional parameters",
    "kommiljard.inputs.layouts.settle": "7 positional parameters",
    # Forecasting (the forecasting helper, whose rewrite of fit, history and backtest is under way).
    "kommiljard.forecasting.fit._shrinkage_table": "7 positional parameters",
}


def offences() -> dict[str, str]:
    out = {}
    for name, (lines, positional) in functions().items():
        said = [f"{lines} lines"] * (lines > MAX_LINES) + [f"{positional} positional parameters"] * (
            positional > MAX_POSITIONAL
        )
        if said:
            out[name] = ", ".join(said)
    return out


def test_functions_are_short_and_take_few_positional_parameters():
    found = offences()
    new = [f"{name}: {said}" for name, said in sorted(found.items()) if name not in TOO_BIG]
    assert not new, (
        f"functions over {MAX_LINES} lines or {MAX_POSITIONAL} positional parameters (split them; make the rest "
        "keyword-only):\n" + "\n".join(new)
    )
    gone = sorted(set(TOO_BIG) - set(found))
    assert not gone, "no longer too big: remove from TOO_BIG in tests/test_design.py:\n" + "\n".join(gone)
    grown, measured = [], functions()
    for name, said in TOO_BIG.items():
        lines, positional = measured[name]
        allowed_lines = int(m[1]) if (m := re.search(r"(\d+) lines", said)) else MAX_LINES
        allowed_positional = int(m[1]) if (m := re.search(r"(\d+) positional", said)) else MAX_POSITIONAL
        if lines > allowed_lines or positional > allowed_positional:
            grown.append(f"{name}: {found[name]} (listed: {said})")
    assert not grown, "an allowed offender may only shrink (update its entry when it does):\n" + "\n".join(grown)


def test_the_function_check_sees_what_it_should():
    lines, positional = functions()["kommiljard.sweeps.run.Sweep.run"]
    assert positional == 0 and lines < MAX_LINES
    assert "kommiljard.sweeps.model._model_logits" not in functions()  # a numba kernel
    assert functions()["kommiljard.sweeps.summary.Gathered.__init__"][1] == 3  # n, n_groups, n_regions; self not


# ---- numba without tricks -------------------------------------------------------------------------------------
def test_no_function_is_rebuilt_with_other_globals_and_no_cache_is_removed_by_hand():
    """Kernels call the rules' functions as they are (kommiljard.compiling makes them callable), never copies
    rebound to other globals; no module writes another's namespace; every cached kernel is cached by
    kommiljard.compiling.kernel (keyed by its sources), so no cache is ever stale or removed by hand."""
    tricks = re.compile(r"(?<!ir\.)FunctionType\(|__globals__|globals\(\)\[|\.nbi\b|\.nbc\b|cache=True")
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if tricks.search(line) and path.name != "compiling.py"
    ]
    assert not found, "\n".join(found)
