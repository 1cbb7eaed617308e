"""What a terminal or a redirected stream can show: a stand-in for characters it cannot encode
(`> file` on Windows is cp1252), never a crash."""

from __future__ import annotations

import codecs
import os
import re
import sys
import unicodedata
from typing import NoReturn

_PLAIN = {"→": "->", "–": "-", "—": "-", "·": ".", "…": "...", "⚠": "!", "\ufe0f": "",
          "\u200b": "", "‘": "'", "’": "'", "“": '"', "”": '"', "✓": "ok"}  # fmt: skip


def _plain(error: UnicodeError) -> tuple[str, int]:
    """Characters the stream cannot encode: a plain stand-in, else a JSON-valid `\\uXXXX`."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        if char in _PLAIN:
            out.append(_PLAIN[char])
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            code = ord(char) - 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
    return "".join(out), error.end


def degrade_unencodable_output() -> None:
    """Where stdout or stderr cannot encode a character (`> file` on Windows is cp1252), print
    a stand-in instead of crashing."""
    codecs.register_error("deploycount-plain", _plain)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="deploycount-plain")


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def inert(text: str) -> str:
    """Text from outside (a deploy id, a tag name, a repository name, a warning that quotes one)
    made safe to show on one line of a terminal or a CI log: every control character becomes a
    visible `\\uXXXX`. A raw escape sequence could recolour or retitle the terminal; a newline
    could start a line that GitHub Actions reads as a workflow command (`::add-mask::`)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def interrupted() -> NoReturn:
    """Ctrl-C: one line and exit 130, always. Not `sys.exit`: when the signal came during an
    `exec` of generated code (dataclasses make their methods so), CPython remembers it and ends
    the process by SIGINT at exit whatever code it was given."""
    try:
        sys.stderr.write("deploycount: error: interrupted\n")
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(130)


def width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide and full-width characters take two,
    combining marks none."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def pad(text: str, columns: int, *, right: bool = False) -> str:
    """`text` padded with spaces to `columns` display columns (on the left when `right`)."""
    room = " " * max(0, columns - width(text))
    return room + text if right else text + room


def clip(text: str, columns: int) -> str:
    """`text` cut to at most `columns` display columns, with `…` where it was cut."""
    if width(text) <= columns:
        return text
    kept = ""
    for char in text:
        if width(kept + char) > columns - 1:
            break
        kept += char
    return kept + "…"
