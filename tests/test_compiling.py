"""The kernels' disk cache is keyed by their sources: the kernel's file and every kommiljard module it imports."""

from __future__ import annotations

from pathlib import Path

from kommiljard import compiling
from kommiljard.compiling import PACKAGE, sources_stamp


def test_a_kernel_s_sources_are_its_file_and_what_it_imports_transitively():
    staircase = compiling._sources(PACKAGE / "kinds" / "staircase" / "kernel.py")
    assert {PACKAGE / "kinds" / "steps.py", PACKAGE / "kinds" / "staircase" / "units.py"} <= staircase
    assert {PACKAGE / "kinds" / "staircase" / "rules.py", PACKAGE / "rules" / "common.py"} <= staircase  # transitively
    assert PACKAGE / "compiling.py" in staircase
    assert PACKAGE / "cli" / "app.py" not in staircase and PACKAGE / "engine.py" not in staircase
    draw = compiling._sources(PACKAGE / "sweeps" / "model.py")
    assert PACKAGE / "sweeps" / "rng.py" in draw and PACKAGE / "sweeps" / "scenario.py" in draw


def test_the_stamp_changes_when_an_imported_module_changes(monkeypatch):
    kernel_file = str(PACKAGE / "kinds" / "staircase" / "kernel.py")
    stamp = sources_stamp.__wrapped__(kernel_file)
    assert stamp == sources_stamp(kernel_file) and len(stamp) == 64
    steps, cli = PACKAGE / "kinds" / "steps.py", PACKAGE / "cli" / "app.py"
    real = Path.read_bytes
    for edited, changes in ((steps, True), (cli, False)):
        monkeypatch.setattr(Path, "read_bytes", lambda self, e=edited: real(self) + (b"#" if self == e else b""))
        assert (sources_stamp.__wrapped__(kernel_file) != stamp) is changes, edited


def test_kernels_are_cached_keyed_by_their_sources():
    import numba

    from kommiljard.kinds.staircase.kernel import sweep_kernel
    from kommiljard.sweeps.rng import fill_normals

    if numba.config.DISABLE_JIT:  # the kernels run as Python then
        return
    for compiled in (sweep_kernel, fill_normals):
        locator = compiled._cache._impl.locator
        assert locator.get_source_stamp() == sources_stamp(compiled.py_func.__code__.co_filename)
