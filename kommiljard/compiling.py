"""How kommiljard compiles its kernels: numba, with the machine code cached on disk, keyed by its sources.

numba keys a cached function by its own file only, so a kernel that inlines functions of other modules
(the steps' rules of ``kinds/steps.py``, ``kinds/staircase/units.py``, the normals of ``sweeps/rng.py``)
would load stale machine code after one of them changed: after an upgrade, or an edit. :func:`kernel`
compiles as ``numba.njit`` does and caches where numba would (``NUMBA_CACHE_DIR``, else the package's
``__pycache__``, else numba's user-wide cache directory), keyed by the kernel's file and every
kommiljard module it imports, transitively (their contents, not their dates): a change to any of
them compiles the kernel again, and nothing is ever removed by hand.

:func:`callable_from_kernels` lets compiled code call a plain Python function by name, so that the
readable references and the kernels run the one copy of each rule.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def kernel(**options) -> Callable:
    """``numba.njit(**options)``, cached on disk keyed by the kernel's sources (see the module docstring)."""
    from numba.core.dispatcher import Dispatcher

    def compile_(fn: Callable) -> Callable:
        import numba

        compiled = numba.njit(**options)(fn)
        if isinstance(compiled, Dispatcher):  # not with NUMBA_DISABLE_JIT=1: then the function runs as Python
            compiled._cache = _cache_class()(fn)  # as Dispatcher.enable_caching does, with the locators below
        return compiled

    return compile_


def callable_from_kernels(fn: Callable) -> Callable:
    """Make a plain Python function callable by name from compiled code (compiled on its first such call, and
    inlined there by the compiler); returns it as it is."""
    from numba.extending import register_jitable

    return register_jitable(inline="always")(fn)


@cache
def sources_stamp(path: str) -> str:
    """The SHA-256 of a module's file and of every kommiljard module it imports, transitively."""
    digest = hashlib.sha256()
    for source in sorted(_sources(Path(path).resolve())):
        digest.update(str(source.relative_to(PACKAGE)).encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _sources(path: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [path]
    while todo:
        here = todo.pop()
        if here not in seen:
            seen.add(here)
            todo += _imported(here)
    return seen


@cache
def _imported(path: Path) -> tuple[Path, ...]:
    """The files of the kommiljard modules one file imports (at its top or inside a function)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = parts[:-1]  # a module's package (an __init__'s is its own folder)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = [*base, *(node.module.split(".") if node.module else [])]
            found += [_file([*target, alias.name]) or _file(target) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [_file(alias.name.split(".")) for alias in node.names]
    return tuple(f for f in found if f is not None)


def _file(module: list[str]) -> Path | None:
    """A kommiljard module's file, or None (another package, or a name that is not a module)."""
    if not module or module[0] != PACKAGE.name:
        return None
    here = PACKAGE.parent.joinpath(*module)
    for candidate in (here.with_suffix(".py"), here / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _cache_class():
    """numba's function cache, whose locators key the cache by :func:`sources_stamp` (the locators are numba's
    own, which numba 0.61 renamed without their leading underscore)."""
    from numba.core import caching

    def numba_class(name: str):
        return getattr(caching, name, None) or getattr(caching, "_" + name)

    class KeyedBySources:
        def get_source_stamp(self):
            return sources_stamp(self._py_file)

    locators = [
        type(f"Kommiljard{name}", (KeyedBySources, numba_class(name)), {})
        for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")
    ]
    impl = type("KommiljardCacheImpl", (caching.CompileResultCacheImpl,), {"_locator_classes": locators})
    return type("KommiljardFunctionCache", (caching.FunctionCache,), {"_impl_class": impl})
