"""A progress line on stderr for long history reads: only on a terminal, only after a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO


class ProgressLine:
    """`reading history: 120,000 commits`, redrawn in place; silent for work under `delay`."""

    def __init__(
        self, stream: TextIO, *, delay: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.shown = False

    def __call__(self, commits: int) -> None:
        if self.clock() - self.started < self.delay:
            return
        self.stream.write(f"\rreading history: {commits:,} commits")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line, so what follows starts clean."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def progress_for(stream: TextIO) -> ProgressLine | None:
    """A progress line when `stream` is a terminal; None for logs, pipes and CI."""
    return ProgressLine(stream) if stream.isatty() else None
