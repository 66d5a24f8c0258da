"""The public API: the names ``kommiljard`` lists, imported on first use, typed, documented, and the only names
the documentation's examples import."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

import kommiljard

ROOT = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves_has_a_docstring_and_is_listed_once():
    assert kommiljard.__all__[0] == "__version__" and len(set(kommiljard.__all__)) == len(kommiljard.__all__)
    assert set(kommiljard._API) == set(kommiljard.__all__) - {"__version__"}  # the stub imports what it lists
    for name in kommiljard._API:
        value = getattr(kommiljard, name)
        assert (value.__doc__ or "").strip(), name
    assert dir(kommiljard) == sorted(kommiljard.__all__)
    with pytest.raises(AttributeError, match="no attribute 'paout'"):
        kommiljard.paout  # noqa: B018


@pytest.mark.slow
def test_public_names_are_imported_on_first_use_only():
    code = (
        "import sys, kommiljard\nloaded = set(sys.modules)\nfrom kommiljard import payout\n"
        "print(sorted(m for m in ('kommiljard.engine', 'kommiljard.sweeps.run') if m in loaded), "
        "'kommiljard.engine' in sys.modules, 'kommiljard.sweeps.run' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "True", "False"]


def test_the_package_ships_its_types_and_its_stub():
    assert files("kommiljard").joinpath("py.typed").is_file()
    assert files("kommiljard").joinpath("__init__.pyi").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"py.typed", "*.pyi"} <= set(data["tool"]["setuptools"]["package-data"]["kommiljard"])


def examples() -> list[tuple[str, str]]:
    """Every Python block of the README and of docs/, with its file."""
    found = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        found += [(str(path.relative_to(ROOT)), block) for block in re.findall(r"```python\n(.*?)```", text, re.S)]
    return found


def imports_of(block: str) -> list[ast.AST]:
    """The import statements of an example (an excerpt that is not a whole program: its import lines)."""
    try:
        tree = ast.parse(textwrap.dedent(block))
    except SyntaxError:
        lines = [line.strip() for line in block.splitlines() if re.match(r"\s*(from|import)\s+kommiljard", line)]
        tree = ast.parse("\n".join(line.rstrip("(\\") for line in lines))
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_the_documentation_s_examples_import_only_public_names():
    assert len(examples()) >= 5
    wrong = []
    for where, block in examples():
        for node in imports_of(block):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kommiljard"):
                names = {a.name for a in node.names}
                if node.module != "kommiljard" or not names <= set(kommiljard.__all__):
                    wrong.append(f"{where}: from {node.module} import {', '.join(sorted(names))}")
            elif isinstance(node, ast.Import):
                wrong += [f"{where}: import {a.name}" for a in node.names if a.name.startswith("kommiljard.")]
    assert not wrong, "\n".join(wrong)


@pytest.mark.slow
def test_the_api_reference_builds_with_every_public_name(tmp_path):
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from api import build
    finally:
        sys.path.remove(str(ROOT / "docs"))
    page = build(tmp_path).read_text(encoding="utf-8")
    missing = [name for name in kommiljard.__all__ if f'id="{name}"' not in page]
    assert not missing
    assert "fitted scenario" in page and "Lever" in page
