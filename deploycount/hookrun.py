"""The commit hook as git (or the pre-commit framework) runs it: tag a commit made by an AI agent
with `Assisted-by: <tool>`, where git reads trailers, without ever getting in the way.

* Fast: the installed hook script decides in the shell whether an agent's environment is there
  at all; this module imports neither click nor pydantic, with or without a `.deploycount.toml`
  to read.
* Correct in every way a message is written: in `prepare-commit-msg` only a message given with
  `-m`/`-F` is final, so only that one is tagged there; `commit-msg` runs after the editor and
  tags what is still untagged. An empty message (only comments, or nothing above the scissors
  line of `git commit -v`) is left empty, so git still aborts. Merges are left alone. A message
  that already carries a marker (or `AI-Assisted: no`) is never tagged twice.
* Fail open: any failure prints one line to stderr and the commit goes ahead unchanged.

    python -m deploycount.hookrun --stage commit-msg MESSAGE_FILE [SOURCE [SHA]]
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deploycount import git

if TYPE_CHECKING:
    from deploycount.attribution import Markers

STAGES = ("prepare-commit-msg", "commit-msg")
FORCE_VARIABLE = "DEPLOYCOUNT_AI_TOOL"
_NO_TOOL = frozenset({"", "0", "none", "no", "false", "off"})
_SCISSORS = " ------------------------ >8 ------------------------"

# Variables AI agents set in the environment of the commands they run, most specific first.
AGENT_VARIABLES: tuple[tuple[str, str], ...] = (
    ("CLAUDECODE", "claude-code"),
    ("CURSOR_AGENT", "cursor"),
    ("CODEX_SANDBOX", "codex"),
    ("CODEX_THREAD_ID", "codex"),
    ("GEMINI_CLI", "gemini"),
    ("OPENCODE", "opencode"),
    ("OPENCODE_CLIENT", "opencode"),
    ("AMP_CURRENT_THREAD_ID", "amp"),
)
GENERIC_VARIABLES = ("AI_AGENT", "AGENT")
ALL_VARIABLES = (FORCE_VARIABLE, *(v for v, _ in AGENT_VARIABLES), *GENERIC_VARIABLES)


def agent_present(environ: Mapping[str, str]) -> bool:
    """The cheap test: could this be an agent's environment at all?"""
    return any(environ.get(variable, "").strip() for variable in ALL_VARIABLES)


def split_message(text: str, comment: str) -> tuple[str, str]:
    """The part of a message file git keeps, and the scissors line with what follows (the diff
    of `git commit -v`), which git drops."""
    scissors = comment + _SCISSORS
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line == scissors:
            return "\n".join(lines[:index]) + "\n", "\n".join(lines[index:])
    return text, ""


# What git leaves in its directory while it merges or replays commits someone already wrote:
# a merge, a rebase (`rebase-merge/`, or `rebase-apply/` for `--apply` and `am`), a cherry-pick
# or revert of several commits (`sequencer/`) or of one. An agent that rebases or cherry-picks a
# person's commit writes no code: the commit keeps its own attribution.
_REPLAYING = ("MERGE_HEAD", "rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD", "sequencer")


def is_empty(head: str, comment: str) -> bool:
    """Whether git would find the message empty (only comment lines and blanks)."""
    return not any(line.strip() for line in head.split("\n") if not line.startswith(comment))


def run(
    stage: str, message_file: Path, source: str | None, environ: Mapping[str, str], cwd: str
) -> str | None:
    """Tag the message file when it should be; returns the tool added, or None."""
    if stage == "prepare-commit-msg" and source != "message":
        return None  # the editor runs next (or git reuses a message): commit-msg tags it
    if source == "merge" or not agent_present(environ):
        return None
    # Only on an agent's commit: the hook pays for every import.
    from deploycount.attribution import attribute  # noqa: PLC0415
    from deploycount.identity import Confidence, Person  # noqa: PLC0415

    found = git.check(
        ("rev-parse", "--absolute-git-dir", "--show-toplevel"), cwd, plain=True
    ).decode()
    git_dir, top = found.split("\n")[:2]
    if any(Path(git_dir, name).exists() for name in _REPLAYING):
        return None
    markers = _markers(Path(top))
    tool = detect_tool(environ, markers)
    if tool is None:
        return None
    asked = ("config", "--default", "#", "core.commentChar")
    comment = git.check(asked, cwd, plain=True).decode().strip()
    if len(comment) != 1:
        comment = "#"  # "auto": git picks a character the message does not use
    data = message_file.read_bytes()
    text = data.decode("utf-8", "surrogateescape")
    head, tail = split_message(text, comment)
    if is_empty(head, comment):
        return None  # an empty message stays empty, so git aborts as it would without us
    attribution = attribute(head, Person("", ""), Person("", ""), markers, mentions=False)
    if attribution.declared_not_assisted or attribution.is_ai(Confidence.MEDIUM):
        return None
    tagged = git.check(
        ("interpret-trailers", "--no-divider", "--where", "end", "--if-exists",
         "addIfDifferent", "--trailer", f"Assisted-by: {tool}"),
        cwd, stdin=head.encode("utf-8", "surrogateescape"), plain=True,
    )  # fmt: skip
    message_file.write_bytes(tagged + tail.encode("utf-8", "surrogateescape"))
    return tool


def _markers(top: Path) -> Markers:
    from deploycount.attribution import builtin_markers  # noqa: PLC0415

    if not (top / ".deploycount.toml").is_file():
        return builtin_markers()
    from deploycount.config import load_config, markers_from_config  # noqa: PLC0415

    config, _ = load_config(None, top)
    return markers_from_config(config)


def detect_tool(environ: Mapping[str, str], markers: Markers) -> str | None:
    """The AI tool whose environment this is, or None for a person at a terminal.

    Only a tool deploycount knows tags a commit (`Assisted-by: other` is what `lint` warns
    about): a variable of one agent (`CLAUDECODE`), or `DEPLOYCOUNT_AI_TOOL`, `AI_AGENT` or
    `AGENT` whose value names a known tool (`AGENT=jenkins`, a CI's own use of the name, does
    not)."""
    from deploycount.attribution import OTHER_TOOL  # noqa: PLC0415 - with the markers

    forced = environ.get(FORCE_VARIABLE)
    if forced is not None:
        if forced.strip().lower() in _NO_TOOL:
            return None
        tool = markers.tool_from_text(forced)
        if tool == OTHER_TOOL:
            raise UnknownTool(
                f"{FORCE_VARIABLE}={forced.strip()[:40]} names no tool deploycount knows; declare "
                "it in .deploycount.toml under [attribution.tools.<id>]"
            )
        return tool
    for variable, tool in AGENT_VARIABLES:
        if environ.get(variable, "").strip() not in ("", "0"):
            return tool
    for variable in GENERIC_VARIABLES:
        value = environ.get(variable, "").strip()
        if value and value != "0" and (tool := markers.tool_from_text(value)) != OTHER_TOOL:
            return tool
    return None


class UnknownTool(Exception):
    """A forced tool the tables do not know: the commit goes untagged, and the hook says why."""


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    """Always 0: a failure is one line on stderr, and the commit goes ahead untagged."""
    args = list(sys.argv[1:] if argv is None else argv)
    stage = "commit-msg"
    if len(args) >= 2 and args[0] == "--stage":
        stage = args[1]
        args = args[2:]
    if stage not in STAGES or not args:
        usage = "deploycount: hook: usage: --stage STAGE MESSAGE_FILE [SOURCE [SHA]]"
        print(usage, file=sys.stderr)
        return 0
    source = args[1] if len(args) > 1 else environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None
    message_file = Path(args[0])
    try:
        run(stage, message_file, source, environ, os.getcwd())
    except Exception as error:
        from deploycount.masking import mask  # noqa: PLC0415

        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        _say_once(mask(f"deploycount: commit not tagged ({first})"), stage, message_file)
    return 0


def _say_once(line: str, stage: str, message_file: Path) -> None:
    """Print `line`, once per commit: a `-m` commit runs both hooks on the same message, and the
    same reason said twice reads as two problems. The first hook leaves the line beside the
    message file with a digest of it; the second, finding the same, says nothing."""
    import hashlib  # noqa: PLC0415 - only when there is something to say

    said = message_file.with_name("DEPLOYCOUNT_SAID")
    try:
        digest = hashlib.sha256(message_file.read_bytes()).hexdigest()
    except OSError:
        digest = ""
    key = f"{digest} {line}"
    try:
        before = said.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        before = ""
    if stage == "commit-msg":
        with contextlib.suppress(OSError):
            said.unlink()
        if before == key:
            return
    else:
        with contextlib.suppress(OSError):
            said.write_text(key, "utf-8")
    print(line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
