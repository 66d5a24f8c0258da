"""The project's TOML files (rule sets, scenarios): found by bundled name or by path,
parsed, and validated into pydantic models with messages that name the file and the key."""

from __future__ import annotations

import difflib
import hashlib
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import KommiljardError
from ..language import parsed_toml
from .common import control_characters

MAX_BYTES = 1_000_000  # a rule or scenario file (the bundled ones: under 10 kB)


def _control_problems(node, key: str = "") -> Iterator[str]:
    """Every key or text in a parsed TOML table that holds control characters, by dotted key."""
    if isinstance(node, dict):
        for k, v in node.items():
            where = f"{key}.{k}" if key else str(k)
            if control_characters(str(k)):
                yield f"{where!r}: the key has {control_characters(str(k))}"
            yield from _control_problems(v, where)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _control_problems(v, f"{key}[{i}]")
    elif isinstance(node, str) and control_characters(node):
        yield f"{key}: {control_characters(node)}"


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
        """The parsed table, a description of where it came from, and the text's SHA-256.

        Refused with a message naming the file: a directory, a file larger than ``MAX_BYTES``, text
        that is not UTF-8 or not TOML, tables nested too deeply, and control characters in any
        key or text (they would reach terminals and pictures).
        """
        path, kept = Path(name), None
        if path.suffix == ".toml" or path.exists():
            if path.is_dir():
                raise self.error(f"{path}: is a directory, not a {self.noun}. Give a path to a .toml file.")
            if not path.is_file():
                raise self.error(
                    f"{path}: no such {self.noun}. Give a path to a .toml file or one of {self.bundled_names()}."
                )
            size = path.stat().st_size
            if size > MAX_BYTES:
                raise self.error(
                    f"{path}: the {self.noun} is {size / 1e6:.1f} MB; a {self.noun} may be at most {MAX_BYTES / 1e6:g} "
                    "MB (the bundled ones are under 10 kB). Is it the right file?"
                )
            try:
                text, origin = path.read_text(encoding="utf-8"), str(path)
            except UnicodeDecodeError as exc:
                raise self.error(f"{path}: not UTF-8 text (byte {exc.start}): save the {self.noun} as UTF-8.") from None
            except OSError as exc:
                raise self.error(f"{path}: could not read the {self.noun}: {exc.strerror or exc}.") from None
        else:
            bundled = files("kommiljard") / self.folder / f"{name}.toml"
            if not bundled.is_file():
                close = difflib.get_close_matches(name, self.bundled_names(), n=1)
                did = f" Did you mean {close[0]!r}?" if close else ""
                raise self.error(
                    f"unknown {self.collection.removesuffix('s')} {name!r}.{did} "
                    f"Bundled {self.collection}: {', '.join(self.bundled_names())}; or give a path to a .toml file."
                )
            text, origin, kept = (
                bundled.read_text(encoding="utf-8"),
                f"{name} (bundled: kommiljard/{self.folder}/{name}.toml)",
                bundled,
            )
        try:
            raw = parsed_toml(text, kept)  # a bundled file's table is kept parsed (a user's file is parsed as it is)
        except tomllib.TOMLDecodeError as exc:
            raise self.error(
                f"{origin}: not valid TOML: {exc}. Fix the file's syntax (a key written twice is also refused)."
            ) from None
        except RecursionError:
            raise self.error(f"{origin}: arrays or tables nested too deeply to read; is it the right file?") from None
        problems = list(_control_problems(raw))
        if problems:
            raise self.error(
                f"{origin}: control characters in {len(problems)} place(s); remove them:\n"
                + "\n".join(f"  {p}" for p in problems[:20])
            )
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
        errors = exc.errors()
        for err in errors:
            inner = [e for e in errors if len(e["loc"]) > len(err["loc"]) and e["loc"][: len(err["loc"])] == err["loc"]]
            if err["type"] == "too_short" and inner:  # a list left short because its items failed: say why they did
                continue
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
