"""The population share's words, in English and Swedish."""

from __future__ import annotations

WORDS = {
    "kind": ("population share", "fördelning efter befolkning"),
    "share": ("share", "andel"),
}
