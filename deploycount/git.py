"""The one way deploycount runs git (and, for the Action, itself): the settings that make git's
output the same on every machine, bounded waits, and failures as `RepositoryError`.

Standard library only: the commit hook imports it, and pays for every import.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from deploycount.errors import RepositoryError

# Settings that make git's output the same whatever the user's or the system's git config says.
GIT = (
    "git",
    "-c", "i18n.logOutputEncoding=UTF-8",
    "-c", "log.showSignature=false",
    "-c", "color.ui=never",
    "-c", "core.quotePath=false",
    # Small pack windows: git maps a few MB of the pack at a time instead of most of it, which
    # keeps its memory to what it needs (the history's `git log`: 139 -> 79 MB at 200k commits)
    # at no cost in speed.
    "-c", "core.packedGitWindowSize=8m",
    "-c", "core.packedGitLimit=32m",
    "--no-replace-objects",
)  # fmt: skip

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL
Process = subprocess.Popen


@dataclass(frozen=True)
class Result:
    """What a finished git printed, and how it ended (`timed_out`: it was stopped)."""

    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False

    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


def run(
    args: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    plain: bool = False,
) -> Result:
    """Run git with `args` and wait for it, whatever its exit code (the caller decides).

    A `timeout` ends git and every process it started (a fetch's `git remote-https`): git runs
    in a process group of its own, which is killed as a whole. `plain` runs git without the
    settings above (the hook asks git what the user configured)."""
    command = ["git", *args] if plain else [*GIT, *args]
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=PIPE if stdin is not None else DEVNULL,
            stdout=PIPE,
            stderr=PIPE,
            start_new_session=timeout is not None,
        )
    except (OSError, ValueError) as error:
        raise RepositoryError(f"could not run git: {error}") from None
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        end_group(process)
        stdout, stderr = process.communicate()
        return Result(process.returncode or 1, stdout, stderr, timed_out=True)
    except BaseException:  # an interrupt: git and its helpers go with us
        end_group(process) if timeout is not None else process.kill()
        process.wait()
        raise
    return Result(process.returncode, stdout, stderr)


def check(args: Sequence[str], cwd: str | os.PathLike[str], *, stdin: bytes | None = None) -> bytes:
    """git's output; its failure is a `RepositoryError` naming the command and git's reason."""
    result = run(args, cwd, stdin=stdin)
    if result.returncode != 0:
        raise RepositoryError(failure(args[0], result.stderr))
    return result.stdout


def start(
    args: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    stderr: IO[bytes],
    with_stdin: bool,
) -> subprocess.Popen[bytes]:
    """A git whose output the caller streams (a long `git log`). git flushes after every commit
    into a pipe unless told not to: a third of its system time, saved with GIT_FLUSH=0."""
    try:
        return subprocess.Popen(
            [*GIT, *args],
            cwd=cwd,
            env={**os.environ, "GIT_FLUSH": "0"},
            stdin=PIPE if with_stdin else DEVNULL,
            stdout=PIPE,
            stderr=stderr,
        )
    except (OSError, ValueError) as error:
        raise RepositoryError(f"could not run git: {error}") from None


def end_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a process started in a group of its own, and everything it started."""
    killpg = getattr(os, "killpg", None)
    if killpg is None:  # pragma: no cover - Windows
        process.kill()
        return
    with contextlib.suppress(OSError):
        killpg(process.pid, signal.SIGKILL)


def run_deploycount(arguments: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> int:
    """`python -m deploycount ARGUMENTS` in this Python, its output going where ours goes (the
    Action runs each of its steps so)."""
    return subprocess.run([sys.executable, "-m", "deploycount", *arguments], cwd=cwd,
                          check=False).returncode  # fmt: skip


def failure(command: str, stderr: bytes) -> str:
    """`git COMMAND failed: <git's first line>`, without git's `fatal:`."""
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    reason = lines[0] if lines else "no message"
    reason = re.sub(r"^(fatal|error): ", "", reason)
    return f"git {command} failed: {reason}"


def find_repository(where: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(git dir, root) of the repository around `where`; the root of a bare repository (or of
    a directory inside .git) is its git dir. Raises `RepositoryError` with what to do."""
    where = Path(where)
    if not where.is_dir():
        raise RepositoryError(
            f"{where.resolve()} is not a directory: run deploycount in a clone of the "
            "repository (or pass -C DIR)"
        )
    # One process: in a bare repository (or inside .git) --show-toplevel fails after the first
    # two answers are printed.
    found = run(["rev-parse", "--absolute-git-dir", "--is-bare-repository", "--show-toplevel"],
                where)  # fmt: skip
    stderr = found.stderr.decode("utf-8", "replace")
    if "dubious ownership" in stderr or "safe.directory" in stderr:
        raise RepositoryError(
            f"git refuses to work in {where.resolve()}: it belongs to another user (a "
            "container?); trust it with: git config --global --add safe.directory "
            f"{where.resolve()}"
        )
    answers = found.stdout.decode("utf-8", "replace").split("\n")
    if len(answers) < 2 or not answers[0]:
        raise RepositoryError(
            f"{where.resolve()} is not inside a git repository: "
            "run deploycount in a clone of the repository (or pass -C DIR)"
        )
    git_dir = Path(answers[0])
    return git_dir, Path(answers[2]) if len(answers) > 2 and answers[2] else git_dir
