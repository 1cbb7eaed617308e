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
from collections.abc import Iterator, Mapping, Sequence
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


def check(
    args: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    stdin: bytes | None = None,
    plain: bool = False,
) -> bytes:
    """git's output; its failure is a `RepositoryError` naming the command and git's reason."""
    result = run(args, cwd, stdin=stdin, plain=plain)
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


# -- streaming a long output ---------------------------------------------------------------------

_CHUNK = 1 << 20
_QUEUED_CHUNKS = 32  # at most 32 MiB waiting to be parsed


def stream(
    args: Sequence[str], cwd: str | os.PathLike[str], stdin: bytes | None
) -> Iterator[bytes]:
    """The bytes a long-running git prints (a `git log`), chunk by chunk, read ahead by a
    thread; `stdin`, when given, is written to it whole. git's failure is raised once its
    output has been read. git starts at the first chunk asked for (see `running`)."""
    import tempfile  # noqa: PLC0415 - the commit hook imports this module and never streams

    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `_read_stream`)
    try:
        process = start(args, cwd, stderr=errors, with_stdin=stdin is not None)
    except BaseException:
        errors.close()
        raise
    assert process.stdout is not None
    _widen_pipe(process.stdout)
    yield from _read_stream(args[0], process, errors, stdin or b"")


def running(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """`chunks` (from `stream`) with git started now, not at the first read: the caller can do
    other work (load its config) while git prints. The stream's first chunk is an empty one,
    yielded once git runs; this takes it."""
    next(chunks, None)
    return chunks


def _read_stream(
    command: str, process: Process[bytes], errors: IO[bytes], last_input: bytes
) -> Iterator[bytes]:
    """What `process` (a `git COMMAND`) prints, once `last_input` has been written to the end of
    its stdin; git's failure is raised once its output has been read."""
    stdout = process.stdout
    assert stdout is not None
    try:
        if process.stdin is not None:
            # A git that stopped reading has failed: its exit code and message tell why.
            with contextlib.suppress(BrokenPipeError):
                process.stdin.write(last_input)
            with contextlib.suppress(BrokenPipeError):
                process.stdin.close()
        yield from _pumped(stdout)
    finally:
        stdout.close()
        returncode = process.wait()
        errors.seek(0)
        failure_text = errors.read()
        errors.close()
    if returncode != 0:
        raise RepositoryError(failure(command, failure_text))


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let git run up to 1 MiB ahead of us instead of 64 KiB (Linux only; harmless elsewhere)."""
    try:
        import fcntl  # noqa: PLC0415 - see `stream`
    except ImportError:  # pragma: no cover - not on Windows
        return
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(stream.fileno(), set_size, _CHUNK)


def _pumped(stdout: IO[bytes]) -> Iterator[bytes]:
    """Chunks of `stdout`, read by a thread so git keeps printing while the caller parses.

    Without it git stalls on a full pipe whenever Python is busy, and the two costs add up
    instead of overlapping. The queue is bounded, so memory stays flat if Python falls behind.
    """
    import queue  # noqa: PLC0415 - see `stream`
    import threading  # noqa: PLC0415

    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUED_CHUNKS)
    stopped = threading.Event()

    def pump() -> None:
        descriptor = stdout.fileno()
        try:
            while not stopped.is_set() and (chunk := os.read(descriptor, _CHUNK)):
                chunks.put(chunk)
        except (OSError, ValueError):  # the pipe was closed because the consumer stopped early
            pass
        chunks.put(None)

    reader = threading.Thread(target=pump, name="git-log-reader", daemon=True)
    reader.start()
    try:
        yield b""  # git runs and is read from now on: see `running`
        while (item := chunks.get()) is not None:
            yield item
    finally:
        stopped.set()
        while reader.is_alive():  # unblock a pump waiting on a full queue
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.05)
        reader.join()
