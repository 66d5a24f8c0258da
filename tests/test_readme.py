"""The README runs top to bottom from a clone, and the project stands alone.

Every ``kommiljard`` command of the README's bash blocks is run, in the README's order, in a
temporary copy of the repository's data and examples (in-process, with sweeps shortened to a few
thousand trajectories so that the test stays near a minute); the other commands (pip, pytest,
jupyter, the benchmarks) are only checked for the files they name. Every file a command reads
must be in the repository or written by an earlier command, every output path is used once
(the Python examples' too), and no file of the project points outside the repository.
"""

from __future__ import annotations

import glob
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommiljard.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FEW = "3000"  # trajectories instead of the README's 10^5-10^6
OUTSIDE = re.compile(r"\.\./shared|shared/(spec|seeds|data)|kommiljard-rules\.md|/work/")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def commands() -> list[list[str]]:
    """Every command line of the bash blocks, continuation lines joined, comments dropped, split at &&."""
    out = []
    for block in blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            while words:
                cut = words.index("&&") if "&&" in words else len(words)
                out.append(words[:cut])
                words = words[cut + 1 :]
    return out


def kommiljard_commands() -> list[list[str]]:
    return [c[1:] for c in commands() if c[0] == ".venv/bin/kommiljard"]


def outputs_of(args: list[str]) -> list[str]:
    """The paths a command writes: ``--out``, ``--plot``, ``--truth`` and a ``>`` redirection."""
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--out", "--plot", "--truth", ">")]


def inputs_of(args: list[str]) -> list[str]:
    """The files a command reads: the arguments that look like paths and are not outputs."""
    written = set(outputs_of(args))
    return [a for a in args if re.search(r"/|\.(parquet|csv|xlsx|toml)$", a) and a not in written and "=" not in a]


def test_every_file_a_readme_command_reads_exists_or_is_written_before():
    made: set[str] = set()
    for args in commands():
        for path in inputs_of(args[1:]):
            if path.startswith((".venv/", ".[")) or path in (".[test]", ".[notebooks]"):
                continue
            exists = glob.glob(str(ROOT / path)) or any(Path(m) == Path(path) or path.startswith(m) for m in made)
            assert exists, f"{' '.join(args)}: {path} is neither in the repository nor written before"
        made |= set(outputs_of(args))


def test_every_output_is_written_by_one_example_only():
    cli = [o for args in kommiljard_commands() for o in outputs_of(args)]
    python = re.findall(r"(?:out_dir=|write_report\(result, )\"([^\"]+)\"", "".join(blocks("python")))
    assert python and len(cli + python) == len(set(cli + python)), sorted(cli + python)
    assert not [o for o in cli + python if o.upper() == o or o.startswith(("my_export", "SWEEP"))]


def test_no_file_of_the_project_points_outside_the_repository():
    files = [ROOT / "README.md", ROOT / "data" / "README.md", *ROOT.glob("docs/**/*.md")]
    files += [*ROOT.glob("kommiljard/**/*.py"), *ROOT.glob("kommiljard/**/*.toml"), *ROOT.glob("kommiljard/**/*.md")]
    files += [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("examples/**/*.toml"), ROOT / "pyproject.toml"]
    pointing = [f"{f.relative_to(ROOT)}: {m.group(0)}" for f in files for m in OUTSIDE.finditer(f.read_text("utf-8"))]
    assert not pointing


def test_every_relative_link_of_the_documentation_exists():
    broken = []
    for doc in [ROOT / "README.md", *ROOT.glob("docs/**/*.md"), ROOT / "data" / "README.md"]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if not target.startswith(("http://", "https://", "mailto:")) and not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken


@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path, monkeypatch):
    for folder in ("data", "examples", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.html", ".ipynb_checkpoints"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    ran = 0
    for args in [c for c in commands() if c[0] in ("mkdir", ".venv/bin/kommiljard")]:
        if args[0] == "mkdir":
            Path(args[-1]).mkdir(parents=True, exist_ok=True)
            continue
        args = args[1:]
        target = None
        if ">" in args:
            target, args = args[args.index(">") + 1], args[: args.index(">")]
        args = [FEW if i and args[i - 1] == "--n" else a for i, a in enumerate(args)]
        args = [m for a in args for m in (sorted(glob.glob(a)) if "*" in a else [a])]
        result = runner.invoke(app, args, env={"COLUMNS": "100"})
        assert result.exit_code == 0, f"kommiljard {' '.join(args)}:\n{result.output}"
        if target:
            Path(target).write_text(result.stdout, encoding="utf-8")
        for out in outputs_of(args):
            assert Path(out).exists(), f"kommiljard {' '.join(args)} did not write {out}"
        ran += 1
    assert ran >= 25
    assert (tmp_path / "out" / "sweep-06" / "summary.xlsx").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "examples", "notebooks", "out"]  # nothing else


def test_every_readme_output_goes_into_the_ignored_out_folder():
    """README's commands write into out/ (which .gitignore names), never the repository's root; the folder is made
    by the README's own `mkdir -p out` before the first command that writes."""
    cli = [o for args in kommiljard_commands() for o in outputs_of(args)]
    python = re.findall(
        r"(?:out_dir=|write_report\(result, |write_page\(result, )\"([^\"]+)\"", "".join(blocks("python"))
    )
    assert cli and python and all(o.startswith("out/") for o in cli + python), [
        o for o in cli + python if not o.startswith("out/")
    ]
    assert "/out/" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    ordered = [c for c in commands() if c[0] in ("mkdir", ".venv/bin/kommiljard")]
    assert ordered[0][:3] == ["mkdir", "-p", "out"] or not outputs_of(ordered[0][1:])


def test_readme_variant_sweep_lists_no_variant_twice():
    """The variants example: no --variant is one of --alternatives under another name (same rules, same changes)."""
    from kommiljard.rules import load_rules, parse_override

    for args in kommiljard_commands():
        if "--variant" in args and "--alternatives" in args:
            alternatives = {frozenset(a.overrides.items()) for a in load_rules().ruleset.alternatives}
            for spec in (args[i + 1] for i, a in enumerate(args) if a == "--variant"):
                changes = dict(parse_override(kv) for kv in spec.split(":", 1)[1].split(","))
                assert frozenset(changes.items()) not in alternatives, spec
