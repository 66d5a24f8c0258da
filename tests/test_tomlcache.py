"""The package's TOML files kept parsed (kommiljard.language.parsed_toml): the same table as tomllib, never stale."""

from __future__ import annotations

import sys
import tomllib

import pytest

from kommiljard.language import parsed_toml as parsed

TEXT = 'title = "x"\n[words]\nhello = ["Hello", "Hej"]\n'


@pytest.fixture
def writing(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def kept(folder):
    return sorted((folder / "__pycache__").glob("*.marshal")) if (folder / "__pycache__").exists() else []


def test_kept_parsed_beside_the_file_and_read_back(tmp_path, writing):
    path = tmp_path / "words.toml"
    path.write_text(TEXT, encoding="utf-8")
    assert parsed(TEXT, path) == tomllib.loads(TEXT)
    (cache,) = kept(tmp_path)
    cache.write_bytes(__import__("marshal").dumps({"from": "the cache"}))
    assert parsed(TEXT, path) == {"from": "the cache"}  # the second read is the kept table


def test_an_edited_file_is_parsed_again(tmp_path, writing):
    path = tmp_path / "words.toml"
    assert parsed(TEXT, path)["title"] == "x"
    edited = TEXT.replace('"x"', '"y"')
    assert parsed(edited, path)["title"] == "y"
    assert len(kept(tmp_path)) == 2


def test_a_broken_cache_file_is_parsed_again(tmp_path, writing):
    path = tmp_path / "words.toml"
    parsed(TEXT, path)
    (cache,) = kept(tmp_path)
    cache.write_bytes(b"\x00not marshal")
    assert parsed(TEXT, path) == tomllib.loads(TEXT)


def test_nothing_written_without_bytecode_dates_or_a_folder(tmp_path, monkeypatch):
    path = tmp_path / "words.toml"
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert parsed(TEXT, path) == tomllib.loads(TEXT) and kept(tmp_path) == []
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    dated = "when = 2019-10-01\n"
    assert parsed(dated, path) == tomllib.loads(dated) and kept(tmp_path) == []  # marshal writes no dates
    assert parsed(TEXT, "not a path") == tomllib.loads(TEXT)  # a user's file, a resource in a zip


def test_a_toml_error_is_tomllibs(tmp_path, writing):
    with pytest.raises(tomllib.TOMLDecodeError):
        parsed("a = ", tmp_path / "broken.toml")
