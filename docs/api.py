"""Build the API reference: kommiljard's public names (``kommiljard.__all__``) as HTML, from their docstrings.

    .venv/bin/python docs/api.py out/api      # then open out/api/kommiljard.html (CI builds it: .ci/run)

kommiljard imports its public names on first use; pdoc reads a module's namespace, so they are put there first.
A warning from pdoc (a public name it cannot resolve, a docstring it cannot render) fails the build.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.render

import kommiljard


def build(out: Path) -> Path:
    """Write the reference into ``out``; the page of the public API."""
    vars(kommiljard).update({name: getattr(kommiljard, name) for name in kommiljard.__all__})
    pdoc.render.configure(docformat="restructuredtext", show_source=False, search=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdoc.pdoc("kommiljard", output_directory=out)
    return out / "kommiljard.html"


if __name__ == "__main__":
    print(f"wrote {build(Path(sys.argv[1] if len(sys.argv) > 1 else 'out/api'))}")
