"""Read commit-message trailers exactly the way git does.

git decides what a trailer is in `trailer.c`; GitHub, the kernel tooling and `git log
--format=%(trailers)` all follow it, so deploycount must too, or a `Co-authored-by:` line that git
ignores would be credited here. The rules, in short:

* only the last paragraph of the message can hold trailers, and never the title paragraph;
* that paragraph is a trailer block when every line is a trailer, or when it holds a
  git-generated line (`Signed-off-by: `, `(cherry picked from commit `) and at least 25 % of its
  lines are trailers;
* a trailer line is `token: value` where the token is letters, digits and `-`, optionally
  followed by blanks before the colon; a line that starts with a blank continues the previous one;
* trailing blank and comment lines are ignored, and so is everything after a `---` divider
  (unless `divider=False`, which is what `git log %(trailers)` uses for commit messages).

All character classes here are ASCII, as in git's C code run in the C locale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GIT_GENERATED_PREFIXES = ("Signed-off-by: ", "(cherry picked from commit ")
# git's own isspace(): vertical tab and form feed are not blanks there.
_ASCII_SPACE = " \t\n\r"
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_SCISSORS = " ------------------------ >8 ------------------------"


@dataclass(frozen=True, slots=True)
class Trailer:
    """One trailer as git reads it: the token as written, the unfolded value, its line index."""

    key: str
    value: str
    line: int

    @property
    def normalized_key(self) -> str:
        return self.key.lower()


@dataclass(frozen=True, slots=True)
class TrailerBlock:
    """Where the trailer block starts and ends, in lines of the message, plus its trailers."""

    start_line: int
    end_line: int
    trailers: tuple[Trailer, ...]


def _is_blank(line: str) -> bool:
    return line.strip(_ASCII_SPACE) == ""


def find_separator(line: str) -> int:
    """Index of the `:` that makes `line` a trailer, or -1 (git's `find_separator`)."""
    whitespace_found = False
    for index, char in enumerate(line):
        if char == ":":
            return index
        if not whitespace_found and char in _TOKEN_CHARS:
            continue
        if index != 0 and char in " \t":
            whitespace_found = True
            continue
        break
    return -1


def _end_of_message(
    lines: list[str], comment_char: str, divider: bool, *, last_line_terminated: bool
) -> int:
    """Number of leading lines that form the log message proper (git's `find_trailer_end`)."""
    end = len(lines)
    if divider:
        for index, line in enumerate(lines):
            # A bare `---` counts only when a newline follows it, as in git's C-string test.
            terminated = index < len(lines) - 1 or last_line_terminated
            if line.startswith("---") and (
                line[3:4] in _ASCII_SPACE if len(line) > 3 else terminated
            ):
                end = index
                break
    scissors = comment_char + _SCISSORS
    for index in range(end):
        if lines[index].startswith(scissors):
            end = index
            break
    # Trailing comment lines, empty lines and old-style "Conflicts:" blocks are not part of it.
    start_of_ignored: int | None = None
    in_conflicts = False
    for index in range(end):
        line = lines[index]
        if line == "" or line.startswith(comment_char):
            if start_of_ignored is None:
                start_of_ignored = index
        elif line == "Conflicts:" and (index < len(lines) - 1 or last_line_terminated):
            in_conflicts = True
            if start_of_ignored is None:
                start_of_ignored = index
        elif in_conflicts and line.startswith("\t"):
            pass
        elif start_of_ignored is not None:
            start_of_ignored = None
            in_conflicts = False
    return start_of_ignored if start_of_ignored is not None else end


def _find_block_start(lines: list[str], end: int, comment_char: str) -> int:
    """First line of the trailer block within `lines[:end]`, or `end` when there is none."""
    end_of_title = 0
    while end_of_title < end:
        line = lines[end_of_title]
        if not line.startswith(comment_char) and _is_blank(line):
            break
        end_of_title += 1
    only_spaces = True
    recognized_prefix = False
    trailer_lines = non_trailer_lines = possible_continuations = 0
    for index in range(end - 1, end_of_title - 1, -1):
        line = lines[index]
        if line.startswith(comment_char):
            non_trailer_lines += possible_continuations
            possible_continuations = 0
            continue
        if _is_blank(line):
            if only_spaces:
                continue
            non_trailer_lines += possible_continuations
            if recognized_prefix and trailer_lines * 3 >= non_trailer_lines:
                return index + 1
            if trailer_lines and not non_trailer_lines:
                return index + 1
            return end
        only_spaces = False
        if line.startswith(_GIT_GENERATED_PREFIXES):
            trailer_lines += 1
            possible_continuations = 0
            recognized_prefix = True
            continue
        if find_separator(line) >= 1 and line[0] not in _ASCII_SPACE:
            trailer_lines += 1
            possible_continuations = 0
        elif line[0] in _ASCII_SPACE:
            possible_continuations += 1
        else:
            non_trailer_lines += 1 + possible_continuations
            possible_continuations = 0
    return end


_FOLD = re.compile(r"\n[ \t\n\r]*")


def _unfold(value: str) -> str:
    """Trim, then collapse each newline and the blanks after it into one space (`--unfold`)."""
    return _FOLD.sub(" ", value.strip(_ASCII_SPACE)).strip(_ASCII_SPACE)


def parse_trailer_block(
    message: str, *, divider: bool = False, comment_char: str = "#"
) -> TrailerBlock:
    """Find the trailer block of `message` and parse its trailers.

    `divider=False` matches `git log --format=%(trailers)`; `divider=True` matches
    `git interpret-trailers --parse`, which stops the message at a `---` line.
    """
    lines = message.split("\n")
    terminated = lines[-1] == ""
    if terminated:
        lines.pop()
    end = _end_of_message(lines, comment_char, divider, last_line_terminated=terminated)
    start = _find_block_start(lines, end, comment_char)
    if start >= end:
        return TrailerBlock(start_line=end, end_line=end, trailers=())
    # Group each trailer line with the continuation lines that follow it.
    groups: list[tuple[int, list[str]]] = []
    last_is_trailer = False
    for index in range(start, end):
        line = lines[index]
        if last_is_trailer and line and line[0] in _ASCII_SPACE:
            groups[-1][1].append(line)
            continue
        groups.append((index, [line]))
        last_is_trailer = find_separator(line) >= 1
    trailers: list[Trailer] = []
    for line_index, group in groups:
        first = group[0]
        if first.startswith(comment_char):
            continue
        separator = find_separator(first)
        if separator < 1:
            continue
        key = first[:separator].strip(_ASCII_SPACE)
        value = _unfold("\n".join([first[separator + 1 :], *group[1:]]))
        trailers.append(Trailer(key=key, value=value, line=line_index))
    return TrailerBlock(start_line=start, end_line=end, trailers=tuple(trailers))


def parse_trailers(message: str, *, divider: bool = False) -> tuple[Trailer, ...]:
    """The trailers of `message`, as git reads them."""
    return parse_trailer_block(message, divider=divider).trailers
