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
import tempfile
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


_TAG_FIELDS = ("refname:strip=2", "objectname", "objecttype", "*objectname", "*objecttype")
TAG_LISTING = (
    "for-each-ref",
    "--format=" + "%00".join(f"%({field})" for field in _TAG_FIELDS) + "%00%(creatordate:unix)",
    "refs/tags",
)


class _EarlyTags:
    """A tag listing running in the background, its output going to a temporary file (so git
    never waits on a pipe nobody reads yet)."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = str(directory)
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by `result`)
        try:
            self._process = subprocess.Popen(
                [*GIT, *TAG_LISTING],
                cwd=directory,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.DEVNULL,
            )
        except BaseException:
            self._output.close()
            raise

    def result(self) -> str | None:
        """The listing, or None when git failed (the caller then asks again, and reports)."""
        try:
            returncode = self._process.wait()
            self._output.seek(0)
            return self._output.read().decode("utf-8", "replace") if returncode == 0 else None
        finally:
            self._output.close()


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
    """The listing `prefetch_tags` started for the repository at `git_dir`, once; None when
    there is none or git failed (the caller then asks git itself)."""
    early = _PREFETCHED_TAGS.pop(git_dir, None)
    return early.result() if early is not None else None


@atexit.register
def discard_prefetched() -> None:
    """Forget the tag listings nobody took (a command ends with this: a listing must never
    outlive the command that started it and be taken, stale, by the next one)."""
    while _PREFETCHED_TAGS:
        _PREFETCHED_TAGS.popitem()[1].result()
