"""git started before the imports: the base command every git call runs with, and the tag listing
a report starts while Python is still loading the rest of deploycount.

Kept to the standard library, so that `report` reaches git after the command line is parsed
instead of after attribution's tables are built (at a million commits and 10,000 tags the listing
is the longest thing a window report waits for).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

GIT = (
    "git",
    "-c", "i18n.logOutputEncoding=UTF-8",
    "-c", "log.showSignature=false",
    "-c", "color.ui=never",
    "-c", "core.quotePath=false",
    # Small pack windows: git maps a few MB of the pack at a time instead of most of it, which
    # keeps its memory to what it needs (for-each-ref of 10k tags at 1M commits: 492 -> 142 MB;
    # the history's `git log`: 139 -> 79 MB at 200k) at no cost in speed.
    "-c", "core.packedGitWindowSize=8m",
    "-c", "core.packedGitLimit=32m",
    "--no-replace-objects",
)  # fmt: skip


TAG_FIELDS = ("refname:strip=2", "objectname", "objecttype", "*objectname", "*objecttype")
TAG_LISTING = (
    "for-each-ref",
    "--format=" + "%00".join(f"%({field})" for field in TAG_FIELDS) + "%00%(creatordate:unix)",
    "refs/tags",
)
_CHUNK = 1 << 16


class _EarlyTags:
    """A tag listing running in the background, read by a thread as git prints it: git never
    waits on a pipe nobody reads yet, and the listing can be read line by line before it ends
    (a window report starts excluding the deploys before its window while it is still coming)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = str(directory)
        self._chunks: list[bytes] = []
        self._done = False
        self._changed = threading.Condition()
        self._process = subprocess.Popen(
            [*GIT, *TAG_LISTING],
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._reader = threading.Thread(target=self._read, name="tag-listing", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while chunk := os.read(stdout.fileno(), _CHUNK):
                with self._changed:
                    self._chunks.append(chunk)
                    self._changed.notify_all()
        except OSError:
            pass
        finally:
            stdout.close()
            self._process.wait()
            with self._changed:
                self._done = True
                self._changed.notify_all()

    def lines(self) -> Iterator[str]:
        """The listing's lines as git prints them, waiting for more until it ends. When git
        fails they stop short: only `result` says whether the listing is whole."""
        taken, leftover = 0, b""
        while True:
            with self._changed:
                while taken == len(self._chunks) and not self._done:
                    self._changed.wait()
                fresh, done = self._chunks[taken:], self._done
                taken += len(fresh)
            complete, newline, leftover = (leftover + b"".join(fresh)).rpartition(b"\n")
            if newline:
                yield from complete.decode("utf-8", "replace").split("\n")
            if done:
                return

    def result(self) -> str | None:
        """The listing, or None when git failed (the caller then asks again, and reports)."""
        self._reader.join()
        if self._process.returncode != 0:
            return None
        return b"".join(self._chunks).decode("utf-8", "replace")


_PREFETCHED_TAGS: dict[Path, _EarlyTags] = {}


def prefetch_tags(directory: str | os.PathLike[str]) -> None:
    """Start listing the tags of the repository around `directory`, for `Repository.tags` to
    take later: a report lists them while Python is still importing the rest of deploycount
    (0.17 s of git for 10,000 tags). The listing starts first and git is asked where the
    repository is meanwhile. Does nothing when `directory` is not in a repository; a listing
    nobody takes is dropped by `discard_prefetched`."""
    if any(started.directory == str(directory) for started in _PREFETCHED_TAGS.values()):
        return  # already listing (the program started it before the CLI was imported)
    try:
        early = _EarlyTags(directory)
    except (OSError, ValueError):
        return
    try:
        found = subprocess.run(
            [*GIT, "rev-parse", "--absolute-git-dir"], cwd=directory, capture_output=True,
            check=False,
        )  # fmt: skip
    except (OSError, ValueError):
        found = None
    if found is None or found.returncode != 0:
        early.result()
        return
    git_dir = Path(found.stdout.decode().strip())
    stale = _PREFETCHED_TAGS.pop(git_dir, None)
    if stale is not None:
        stale.result()
    _PREFETCHED_TAGS[git_dir] = early


def take_prefetched(git_dir: Path) -> str | None:
    """The listing `prefetch_tags` or `listing_lines` started for the repository at `git_dir`,
    once; None when there is none or git failed (the caller then asks git itself)."""
    early = _PREFETCHED_TAGS.pop(git_dir, None)
    return early.result() if early is not None else None


@atexit.register
def discard_prefetched() -> None:
    """Forget the tag listings nobody took (a command ends with this: a listing must never
    outlive the command that started it and be taken, stale, by the next one)."""
    while _PREFETCHED_TAGS:
        _PREFETCHED_TAGS.popitem()[1].result()


def listing_lines(git_dir: Path, root: Path) -> Iterator[str]:
    """The lines of the tag listing of the repository at `git_dir` as git prints them, leaving
    the listing for `take_prefetched`; the listing is started (in `root`) when none was."""
    early = _PREFETCHED_TAGS.get(git_dir)
    if early is None:
        early = _PREFETCHED_TAGS[git_dir] = _EarlyTags(root)
    return early.lines()
