"""`deploycount lint`: find AI markers that git will not read, misspelled trailer keys, bad
co-author values and unknown tool names in commit messages. Each finding says where it is and how
to fix it. `lint_message` is pure; `lint_messages` reads the commits or the message file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from deploycount.attribution import OTHER_TOOL, Markers, marker_signal, parse_person
from deploycount.config import load_config, markers_from_config
from deploycount.errors import DeploycountError, UsageError
from deploycount.history.reading import read_commits
from deploycount.identity import Confidence
from deploycount.render.lint import Finding, LintResult, Located
from deploycount.repository import Repository
from deploycount.trailers import find_separator, parse_trailer_block

MARKER_KEYS = (
    "Assisted-by", "Generated-by", "AI-Assisted", "Co-authored-by", "Co-developed-by",
    "Co-authored-by-AI", "Claude-Session", "Agent-Logs-Url", "Copilot-Session", "Amp-Thread-ID",
    "Amp-Thread", "Made-with", "Replit-Commit-Author", "Entire-Session", "Entire-Agent",
    "Agent-Signature",
)  # fmt: skip
_TOOL_KEYS = frozenset({"assisted-by", "generated-by", "ai-assisted", "co-authored-by-ai"})
_PERSON_KEYS = frozenset({"co-authored-by", "co-developed-by"})
_ANSWERS = frozenset({"yes", "true", "no", "false", "none"})
# A line that looks like `Some Key: value` (words, spaces, dashes, underscores before a colon).
_KEYISH = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _-]{1,40}?)\s*:\s*(.*)$")


def _squash(key: str) -> str:
    return re.sub(r"[\s_-]", "", key.lower())


_CANONICAL = {_squash(key): key for key in MARKER_KEYS}


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, giving up past `limit` (keys are short)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


def canonical_key(key: str) -> str | None:
    """The marker key `key` was meant to be (`Assisted by` -> `Assisted-by`), or None."""
    squashed = _squash(key)
    if squashed in _CANONICAL:
        return _CANONICAL[squashed]
    for candidate, canonical in _CANONICAL.items():
        if len(squashed) >= 6 and _distance(squashed, candidate) <= (
            1 if len(candidate) < 10 else 2
        ):
            return canonical
    return None


def lint_message(message: str, markers: Markers) -> list[Finding]:
    findings: list[Finding] = []
    block = parse_trailer_block(message)
    read = {trailer.line for trailer in block.trailers}
    lines = message.split("\n")
    for index, line in enumerate(lines):
        if index == 0 or line.startswith("#"):
            continue
        match = _KEYISH.match(line)
        if match is None:
            continue
        key, value = match[1].strip(), match[2].strip()
        canonical = canonical_key(key)
        if canonical is None:
            continue
        number = index + 1
        if key.lower() != canonical.lower():
            findings.append(
                Finding(number, "error", "misspelled-key", f"'{key}:' is not a trailer key git or "
                        f"deploycount knows", f"write '{canonical}:'")
            )  # fmt: skip
            continue
        if index not in read:
            reason = _why_not_read(line, index, block.start_line, len(lines))
            counted = marker_signal(key, value, markers, Confidence.MEDIUM)
            weight = (
                " (deploycount still counts it, at medium confidence only)"
                if counted is not None and counted.tool is not None
                else ""
            )
            findings.append(
                Finding(
                    number, "error", "not-a-trailer",
                    f"'{canonical}:' will not be read: {reason}{weight}",
                    "move it into the last paragraph of the message, after a blank line, "
                    "with only trailers there",
                )
            )  # fmt: skip
            continue
        findings.extend(_check_value(number, canonical, value, markers))
    return findings


def _why_not_read(line: str, index: int, block_start: int, total: int) -> str:
    if find_separator(line) < 1 or line[:1].isspace():
        return "it is indented or its key has spaces, so it is not a trailer line"
    if index < block_start or block_start >= total:
        return "it is not in the last paragraph, where git reads trailers"
    return "the last paragraph mixes it with too much other text (git's 25% rule)"


def _check_value(number: int, key: str, value: str, markers: Markers) -> list[Finding]:
    lowered = key.lower()
    if lowered in _PERSON_KEYS and parse_person(value) is None:
        return [
            Finding(number, "error", "bad-co-author", f"'{key}: {value}' is not 'Name <email>'",
                    f"write '{key}: Name <name@example.com>'")
        ]  # fmt: skip
    known_answer = value.lower() in _ANSWERS
    if (
        lowered in _TOOL_KEYS
        and value
        and not known_answer
        and markers.tool_from_text(value) == OTHER_TOOL
    ):
        return [
            Finding(
                number, "warning", "unknown-tool",
                f"'{value}' names no AI tool deploycount knows: it counts as 'other'",
                "name a known tool (claude-code, copilot, cursor, codex, aider, ...), or declare "
                "yours in .deploycount.toml under [attribution.tools.<id>] with its aliases",
            )
        ]  # fmt: skip
    return []


def lint_messages(
    directory: str,
    revrange: tuple[str, ...],
    message_file: Path | None,
    config_path: str | None,
) -> LintResult:
    """Lint the commits of `revrange` (default: HEAD only) or one message file."""
    if message_file is not None and revrange:
        raise UsageError("give either REVRANGE or --message-file, not both")
    subjects: list[tuple[str, Literal["commit", "file"], str]]
    if message_file is not None:
        config, _ = load_config(config_path, _repo_root_or_none(directory))
        try:
            text = message_file.read_text("utf-8", errors="replace")
        except OSError as error:
            raise UsageError(
                f"cannot read --message-file {message_file}: {error.strerror}"
            ) from None
        subjects = [(str(message_file), "file", text)]
    else:
        repo = Repository(directory)
        config, _ = load_config(config_path, repo.root)
        fields, chunks = repo.log_range_chunks(
            list(revrange) or ["HEAD"], max_count=None if revrange else 1
        )
        subjects = [
            (commit.sha, "commit", commit.message) for commit in read_commits(fields, chunks)
        ]
    markers = markers_from_config(config)
    found = tuple(
        Located(where, kind, finding)
        for where, kind, text in subjects
        for finding in lint_message(text, markers)
    )
    return LintResult(len(subjects), found)


def _repo_root_or_none(directory: str) -> Path | None:
    """The repository around `directory`, when there is one (lint works outside repos too)."""
    try:
        return Repository(directory).root
    except DeploycountError:
        return None
