"""What produced an output: package version, rules and their hash, inputs and their hashes."""

from __future__ import annotations

import datetime as dt
import platform
from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("kommiljard")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def base_provenance() -> dict:
    import numba
    import numpy

    return {
        "kommiljard_version": package_version(),
        "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
    }
