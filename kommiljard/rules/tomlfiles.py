"""The project's TOML files (rule sets, scenarios): found by bundled name or by path,
parsed, and validated into pydantic models with messages that name the file and the key."""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import KommiljardError
from ..language import parsed_toml, speaker, spoken, words_of
from .common import control_characters

say = speaker(__package__)
BUNDLED = " (bundled: "  # how a bundled file's origin names its place: ``kommiljard-2019 (bundled: kommiljard/...)``


def said_origin(origin: str, lang: str | None = None) -> str:
    """A file's origin as people read it in ``lang`` (default: the spoken language). The origin itself is data
    (a provenance, a sweep's identity): one text in every language."""
    return origin.replace(BUNDLED, words_of(__package__).text("bundled", lang or spoken()))


WORDS = "words.toml"  # a folder's words file (rules/words.toml), no rule file
MAX_BYTES = 1_000_000  # a rule or scenario file (the bundled ones: under 10 kB)


def _control_problems(node, key: str = "") -> Iterator[str]:
    """Every key or text in a parsed TOML table that holds control characters, by dotted key."""
    if isinstance(node, dict):
        for k, v in node.items():
            where = f"{key}.{k}" if key else str(k)
            if control_characters(str(k)):
                yield say("key_has", key=repr(where), found=control_characters(str(k)))
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

    def said(self, word: str) -> str:
        """The kind's noun or collection (``rule file``, ``rule sets``) in the spoken language."""
        key = f"noun.{word}"
        return say(key) if key in words_of(__package__) else word

    def bundled_names(self) -> list[str]:
        folder = files("kommiljard") / self.folder
        return sorted(
            p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml") and p.name != WORDS
        )

    def read(self, name: str) -> tuple[dict, str, str]:
        """The parsed table, a description of where it came from, and the text's SHA-256.

        Refused with a message naming the file: a directory, a file larger than ``MAX_BYTES``, text
        that is not UTF-8 or not TOML, tables nested too deeply, and control characters in any
        key or text (they would reach terminals and pictures).
        """
        path, kept = Path(name), None
        if path.suffix == ".toml" or path.exists():
            if path.is_dir():
                raise self.error(say("refuse.a_directory", path=path, noun=self.said(self.noun)))
            if not path.is_file():
                raise self.error(
                    say("refuse.no_such_file", path=path, noun=self.said(self.noun), names=self.bundled_names())
                )
            size = path.stat().st_size
            if size > MAX_BYTES:
                mb = {"size": f"{size / 1e6:.1f}", "most": f"{MAX_BYTES / 1e6:g}"}
                raise self.error(say("refuse.too_large", path=path, noun=self.said(self.noun), **mb))
            try:
                text, origin = path.read_text(encoding="utf-8"), str(path)
            except UnicodeDecodeError as exc:
                raise self.error(say("refuse.not_utf8", path=path, byte=exc.start, noun=self.said(self.noun))) from None
            except OSError as exc:
                said = say("refuse.unreadable", path=path, noun=self.said(self.noun), exc=exc.strerror or exc)
                raise self.error(said) from None
        else:
            bundled = files("kommiljard") / self.folder / f"{name}.toml"
            if not bundled.is_file():
                close = difflib.get_close_matches(name, self.bundled_names(), n=1)
                did = say("refuse.did_you_mean", close=repr(close[0])) if close else ""
                names = ", ".join(self.bundled_names())
                one, many = self.said(self.collection.removesuffix("s")), self.said(self.collection)
                raise self.error(say("refuse.unknown", one=one, name=repr(name), did=did, many=many, names=names))
            text, origin, kept = (
                bundled.read_text(encoding="utf-8"),
                f"{name}{BUNDLED}kommiljard/{self.folder}/{name}.toml)",  # data: said where read (said_origin)
                bundled,
            )
        try:
            raw = parsed_toml(text, kept)  # a bundled file's table is kept parsed (a user's file is parsed as it is)
        except tomllib.TOMLDecodeError as exc:
            raise self.error(say("refuse.not_toml", origin=said_origin(origin), exc=_syntax(exc))) from None
        except RecursionError:
            raise self.error(say("refuse.too_deep", origin=said_origin(origin))) from None
        problems = list(_control_problems(raw))
        if problems:
            head = say("refuse.control_characters", origin=said_origin(origin), n=len(problems))
            raise self.error("\n".join([head, *(f"  {p}" for p in problems[:20])]))
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
            msg = problem(err)
            if not key:  # checks across keys name their keys themselves, one per line
                lines += [f"  {line}" for line in msg.splitlines()]
                continue
            if err["type"] == "extra_forbidden":
                close = difflib.get_close_matches(str(err["loc"][-1]), vocabulary, n=1)
                msg = say("unknown_key_did", close=repr(close[0])) if close else say("unknown_key")
            lines.append(say("key_line", key=key, problem=msg))
        head = say("refuse.not_valid", origin=said_origin(origin), noun=self.said(self.noun), n=len(lines))
        return self.error("\n".join([head, *lines]))


def _syntax(exc: tomllib.TOMLDecodeError) -> str:
    """What tomllib found: its own (English) text in English; in Swedish, where (tomllib says no more in Swedish)."""
    found = re.search(r"line (\d+), column (\d+)", str(exc))
    if spoken() == "en" or found is None:
        return str(exc)
    return say("toml_place", line=int(found[1]), column=int(found[2]))


def problem(err: dict) -> str:
    """What pydantic found wrong with one key, in the spoken language. A check of the models' own (``value_error``)
    says its own text, already in the spoken language; in English, pydantic's text (a missing key: "missing key;
    add it"); in Swedish, the words of the error's ``type`` in ``[pydantic]`` (with its ``ctx``: the bound, the
    length, the values allowed), or "not a valid value" with the value given for a type they do not name."""
    kind = err["type"]
    if kind in ("value_error", "assertion_error"):
        return err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if spoken() == "en" and kind != "missing":
        return err["msg"]
    ctx = {k: _context(v) for k, v in (err.get("ctx") or {}).items()}
    given = repr(err.get("input"))
    given = given if len(given) <= 60 else given[:57] + "..."
    key = f"pydantic.{kind}"
    if key in words_of(__package__):
        try:
            return say(key, **ctx, given=given)
        except (KeyError, IndexError):  # a context this pydantic version does not give
            pass
    return say("pydantic.other", given=given)


def _context(value: object) -> object:
    """A value of an error's context (a bound, the values allowed) as a message says it: a number as it is (written
    the Swedish way by ``say``), a list of values with the spoken language's "or"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value).replace("' or '", "'" + say("or") + "'")
