"""Terminal output that shows user text as written: never read as markup, never sent as control codes.

User text (paths, region arguments, ``--set`` keys, values from panels and rule files) reaches
the terminal in messages and tables. The consoles made here read no rich markup unless a call
asks for it, and a render hook drops control characters (ESC, BEL, C1 codes ...) from every
piece of text they print, so that a value such as ``ESC[2J`` cannot clear the screen. Error
messages go through :func:`shown`, which writes control characters visibly (``\\x1b``) and
cuts very long lines.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console, ConsoleDimensions, ConsoleRenderable, RenderHook
from rich.segment import Segment

from ..language import speaker
from ..rules.common import CONTROL

LONGEST_LINE = 600  # characters of one line of a message; longer lines keep their start and end
KEEP_HEAD, KEEP_TAIL = 360, 160


def visible(text: str) -> str:
    """Control characters written as escapes (``\\x1b``), so that they are seen, not obeyed."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def cut(line: str, longest: int = LONGEST_LINE) -> str:
    """A line of at most about ``longest`` characters: its start and end, with how much was left out."""
    if len(line) <= longest:
        return line
    left_out = speaker(__package__)("left_out", n=len(line) - KEEP_HEAD - KEEP_TAIL)
    return f"{line[:KEEP_HEAD]} [... {left_out} ...] {line[-KEEP_TAIL:]}"


def write_out(text: str) -> None:
    """Write machine-readable results (JSON, CSV) to stdout with every control character as a
    ``\\uXXXX`` escape: JSON reads it back as the same character, a terminal shows it as text."""
    sys.stdout.write(CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def shown(message: object) -> str:
    """A message for the terminal: control characters made visible, every line cut to a readable length."""
    return "\n".join(cut(visible(line)) for line in str(message).split("\n"))


class _Sanitised:
    """A renderable whose text segments carry no control characters (style and layout untouched)."""

    def __init__(self, inner: ConsoleRenderable) -> None:
        self.inner = inner

    def __rich_console__(self, console, options):
        for segment in console.render(self.inner, options):
            if segment.control or not CONTROL.search(segment.text):
                yield segment
            else:  # dropped, not escaped: control characters take no cells, so the layout stays as measured
                yield Segment(CONTROL.sub("", segment.text), segment.style)


class _NoControlCodes(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Sanitised(r) for r in renderables]


class PipedConsole(Console):
    """A console whose output is piped or captured: as wide as ``COLUMNS`` says when it is read (200 if it is
    unset, so that tables are not wrapped at 80 columns in a file)."""

    @property
    def size(self) -> ConsoleDimensions:
        columns = os.environ.get("COLUMNS", "")
        return ConsoleDimensions(int(columns) if columns.isdigit() and int(columns) > 0 else 200, 25)


def safe_console(stderr: bool) -> Console:
    """A console for results (stdout) or narration and errors (stderr) that prints user text as written.

    Markup is off unless a call passes ``markup=True``, emoji codes (``:smile:``) are left as written; styles are
    given with ``style=``. Piped or captured output is as wide as ``COLUMNS`` says (:class:`PipedConsole`).
    """
    console = Console(stderr=stderr, markup=False, emoji=False)
    if not console.is_terminal:
        console = PipedConsole(stderr=stderr, markup=False, emoji=False)
    console.push_render_hook(_NoControlCodes())
    return console
