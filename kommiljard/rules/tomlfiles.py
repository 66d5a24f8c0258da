"""The project's TOML files (rule sets, scenarios): found by bundled name or by path,
parsed, and validated into pydantic models with messages that name the file and the key."""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import KommiljardError


@dataclass(frozen=True)
class TomlKind:
    """One kind of TOML file: where the bundled ones live and how its errors are called."""

    noun: str  # "rule file", "scenario file"
    collection: str  # "rule sets", "scenarios"
    folder: str  # package-relative folder of the bundled files, e.g. "rules"
    error: type[KommiljardError]

    def bundled_names(self) -> list[str]:
        folder = files("kommiljard") / self.folder
        return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))

    def read(self, name: str) -> tuple[dict, str, str]:
        """The parsed table, a description of where it came from, and the text's SHA-256."""
        path = Path(name)
        if path.suffix == ".toml" or path.exists():
            if not path.is_file():
                raise self.error(
                    f"{path}: no such {self.noun}. Give a path to a .toml file or one of {self.bundled_names()}."
                )
            text, origin = path.read_text(encoding="utf-8"), str(path)
        else:
            bundled = files("kommiljard") / self.folder / f"{name}.toml"
            if not bundled.is_file():
                close = difflib.get_close_matches(name, self.bundled_names(), n=1)
                did = f" Did you mean {close[0]!r}?" if close else ""
                raise self.error(
                    f"unknown {self.collection.removesuffix('s')} {name!r}.{did} "
                    f"Bundled {self.collection}: {', '.join(self.bundled_names())}; or give a path to a .toml file."
                )
            text, origin = (
                bundled.read_text(encoding="utf-8"),
                f"{name} (bundled: kommiljard/{self.folder}/{name}.toml)",
            )
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise self.error(
                f"{origin}: not valid TOML: {exc}. Fix the file's syntax (a key written twice is also refused)."
            ) from None
        return raw, origin, hashlib.sha256(text.encode()).hexdigest()

    def validation_error(
        self,
        exc: ValidationError,
        origin: str,
        models: Iterable[type[BaseModel]],
        key_of: Callable[[tuple], str] | None = None,
    ) -> KommiljardError:
        """One error listing every problem by key; unknown keys get the closest known key."""
        vocabulary = {name for model in models for name in model.model_fields}
        lines = []
        for err in exc.errors():
            key = key_of(err["loc"]) if key_of else ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if not key:  # checks across keys name their keys themselves, one per line
                lines += [f"  {line}" for line in msg.splitlines()]
                continue
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(str(err["loc"][-1]), vocabulary, n=1)
                msg = "unknown key" + (f"; did you mean {close[0]!r}?" if close else "; remove it")
            elif err["type"] == "missing":
                msg = "missing key; add it"
            lines.append(f"  {key}: {msg}")
        return self.error(f"{origin}: the {self.noun} is not valid ({len(lines)} problem(s)):\n" + "\n".join(lines))
