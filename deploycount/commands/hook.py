"""`deploycount hook install | uninstall`: the commit hooks that tag commits made by AI agents.

Installing writes a `prepare-commit-msg` and a `commit-msg` hook (honouring `core.hooksPath`);
a hook that was already there is kept beside ours and run first, and uninstalling puts it back.
What the hooks do is `deploycount.hookrun`.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from deploycount.errors import UsageError
from deploycount.hookrun import ALL_VARIABLES, STAGES
from deploycount.repository import Repository

HOOK_NAMES = STAGES  # prepare-commit-msg (for -m/-F) and commit-msg (after the editor)
CHAINED_SUFFIX = ".deploycount-chained"
MARK = "# installed by deploycount: `deploycount hook uninstall` removes it"


def hook_script(stage: str, python: str) -> str:
    chained = f'"$(dirname "$0")/{stage}{CHAINED_SUFFIX}"'
    variables = "".join(f"${{{name}}}" for name in ALL_VARIABLES)
    quoted = shlex.quote(python)
    if stage == "prepare-commit-msg":
        # Only a message given with -m/-F is final here; commit-msg tags every other one.
        shortcut = '[ "$2" = message ] || exit 0'
    else:
        # Tagged already (by prepare-commit-msg, or by hand): nothing to add.
        shortcut = "grep -qi '^assisted-by:' \"$1\" && exit 0"
    return f"""#!/bin/sh
{MARK}
# Runs the hook that was here before, then tags commits made by AI agents (Assisted-by).
if [ -x {chained} ]; then
  {chained} "$@" || exit $?
fi
# A person at a terminal: nothing to do, decided without starting Python.
[ -n "{variables}" ] || exit 0
{shortcut}
# deploycount is found with the Python that installed this hook, else on PATH; when neither is
# there, or anything fails, the commit goes ahead untagged (one line on stderr says why).
if [ -x {quoted} ] && {quoted} -m deploycount.hookrun --stage {stage} "$@"; then
  :
elif command -v deploycount >/dev/null 2>&1; then
  deploycount hook run --stage {stage} "$@" || true
else
  echo "deploycount: commit not tagged (deploycount is gone: reinstall it, or run" \
    "deploycount hook uninstall)" >&2
fi
exit 0
"""


def hooks_dir(repo: Repository) -> Path:
    """Where git runs hooks from: `core.hooksPath` when set, else `.git/hooks`."""
    return repo.git_path("hooks")


def install(repo: Repository, python: str | None = None) -> tuple[Path, bool]:
    """Install both hooks; returns the hooks directory and whether an existing hook was
    chained."""
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    kept = False
    for stage in HOOK_NAMES:
        target = directory / stage
        chained = directory / (stage + CHAINED_SUFFIX)
        if target.exists() or target.is_symlink():
            if _is_ours(target):
                kept = kept or chained.exists()
            elif chained.exists():
                raise UsageError(
                    f"{chained} already exists: remove it or the hook at {target} first"
                )
            else:
                target.rename(chained)
                kept = True
        target.write_text(hook_script(stage, python or sys.executable))
        target.chmod(0o755)
    return directory, kept


def uninstall(repo: Repository) -> tuple[Path, bool]:
    """Remove our hooks and put back the ones they chained."""
    directory = hooks_dir(repo)
    for stage in HOOK_NAMES:
        target = directory / stage
        if target.exists() and not _is_ours(target):
            raise UsageError(f"{target} was not installed by deploycount: left alone")
    restored = False
    for stage in HOOK_NAMES:
        target = directory / stage
        chained = directory / (stage + CHAINED_SUFFIX)
        if target.exists():
            target.unlink()
        if chained.exists() or chained.is_symlink():
            chained.rename(target)
            restored = True
    return directory, restored


def install_in(directory: str) -> str:
    """Install the hooks in the repository around `directory`; says what was done."""
    path, chained = install(Repository(directory))
    return (
        f"installed prepare-commit-msg and commit-msg hooks in {path}"
        + (" (the hooks that were there run first)" if chained else "")
        + f"; they run deploycount with {sys.executable}, else the deploycount on PATH"
    )


def uninstall_from(directory: str) -> str:
    path, restored = uninstall(Repository(directory))
    return f"removed the deploycount hooks from {path}" + (
        " and restored the previous hooks" if restored else ""
    )


def _is_ours(path: Path) -> bool:
    try:
        return MARK in path.read_text(errors="replace")
    except OSError:
        return False
