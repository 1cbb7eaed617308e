"""The `prepare-commit-msg` hook: tag commits made by an AI agent with `Assisted-by: <tool>`.

Installing honours `core.hooksPath` and chains an existing hook (kept beside ours and run first);
uninstalling puts it back. The hook adds the trailer only when the commit is made from an AI
agent's environment (or `DEPLOYCOUNT_AI_TOOL` forces a tool), never to merges, and never when the
message already carries a marker, so `--amend` does not stack trailers. Placement is left to
`git interpret-trailers`, so the trailer lands where git reads trailers.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from pathlib import Path

from deploycount.attribution import Confidence, Markers, Person, attribute
from deploycount.commands import open_repository
from deploycount.config import markers_from_config
from deploycount.errors import UsageError
from deploycount.history import Repository

HOOK_NAME = "prepare-commit-msg"
CHAINED_SUFFIX = ".deploycount-chained"
MARK = "# installed by deploycount: `deploycount hook uninstall` removes it"
FORCE_VARIABLE = "DEPLOYCOUNT_AI_TOOL"
_NO_TOOL = frozenset({"", "0", "none", "no", "false", "off"})

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


def detect_tool(environ: Mapping[str, str], markers: Markers) -> str | None:
    """The AI tool whose environment this is, or None for a person at a terminal."""
    forced = environ.get(FORCE_VARIABLE)
    if forced is not None:
        return None if forced.strip().lower() in _NO_TOOL else markers.tool_from_text(forced)
    for variable, tool in AGENT_VARIABLES:
        if environ.get(variable, "").strip() not in ("", "0"):
            return tool
    for variable in GENERIC_VARIABLES:
        value = environ.get(variable, "").strip()
        if value and value != "0":
            return markers.tool_from_text(value)
    return None


def has_marker(message: str, markers: Markers) -> bool:
    """Whether the message already says something about AI assistance (or declares none)."""
    attribution = attribute(message, Person("", ""), Person("", ""), markers, mentions=False)
    return attribution.declared_not_assisted or attribution.is_ai(Confidence.MEDIUM)


def run_hook(
    message_file: Path,
    source: str | None,
    environ: Mapping[str, str],
    markers: Markers,
    repo: Repository,
) -> str | None:
    """Add `Assisted-by: <tool>` to the message file when it should; returns the tool added."""
    if source == "merge":
        return None
    tool = detect_tool(environ, markers)
    if tool is None:
        return None
    message = message_file.read_text("utf-8", errors="surrogateescape")
    if has_marker(message, markers):
        return None
    repo.add_trailer(message_file, f"Assisted-by: {tool}")
    return tool


def run_from_git(
    directory: str, arguments: tuple[str, ...], environ: Mapping[str, str]
) -> str | None:
    """What git calls: MESSAGE_FILE [SOURCE [SHA]]. Returns the tool added, if any."""
    repo, config = open_repository(directory, None)
    source = hook_source(arguments, environ)
    return run_hook(Path(arguments[0]), source, environ, markers_from_config(config), repo)


def install_in(directory: str) -> str:
    """Install the hook in the repository around `directory`; says what was done."""
    path, chained = install(Repository(directory))
    return f"installed {path}" + (" (the hook that was there runs first)" if chained else "")


def uninstall_from(directory: str) -> str:
    path, restored = uninstall(Repository(directory))
    return f"removed the deploycount hook from {path}" + (
        " and restored the previous hook" if restored else ""
    )


def hooks_dir(repo: Repository) -> Path:
    """Where git runs hooks from: `core.hooksPath` when set, else `.git/hooks`."""
    return repo.git_path("hooks")


def hook_script(python: str) -> str:
    chained = f'"$(dirname "$0")/{HOOK_NAME}{CHAINED_SUFFIX}"'
    return f"""#!/bin/sh
{MARK}
# Runs the hook that was here before, then tags commits made by AI agents.
if [ -x {chained} ]; then
  {chained} "$@" || exit $?
fi
exec {shlex.quote(python)} -m deploycount hook run "$@"
"""


def install(repo: Repository, python: str | None = None) -> tuple[Path, bool]:
    """Install the hook; returns its path and whether an existing hook was chained."""
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / HOOK_NAME
    chained = directory / (HOOK_NAME + CHAINED_SUFFIX)
    kept = False
    if target.exists() or target.is_symlink():
        if _is_ours(target):
            kept = chained.exists()
        elif chained.exists():
            raise UsageError(f"{chained} already exists: remove it or the hook at {target} first")
        else:
            target.rename(chained)
            kept = True
    target.write_text(hook_script(python or sys.executable))
    target.chmod(0o755)
    return target, kept


def uninstall(repo: Repository) -> tuple[Path, bool]:
    """Remove our hook and put back the one it chained; returns the path and whether restored."""
    directory = hooks_dir(repo)
    target = directory / HOOK_NAME
    chained = directory / (HOOK_NAME + CHAINED_SUFFIX)
    if target.exists() and not _is_ours(target):
        raise UsageError(f"{target} was not installed by deploycount: left alone")
    if target.exists():
        target.unlink()
    if chained.exists() or chained.is_symlink():
        chained.rename(target)
        return target, True
    return target, False


def _is_ours(path: Path) -> bool:
    try:
        return MARK in path.read_text(errors="replace")
    except OSError:
        return False


def hook_source(arguments: tuple[str, ...], environ: Mapping[str, str]) -> str | None:
    """The commit-message source git (or the pre-commit framework) tells the hook."""
    if len(arguments) > 1:
        return arguments[1]
    return environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE") or None
