"""The progress line: silent for quick work and for non-terminals, in place otherwise."""

from __future__ import annotations

import io

from deploycount.progress import ProgressLine, progress_for


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_for_work_under_a_second() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, clock=clock)
    clock.now += 0.9
    line(5000)
    line.close()
    assert stream.getvalue() == ""


def test_redrawn_in_place_then_erased() -> None:
    stream, clock = io.StringIO(), Clock()
    line = ProgressLine(stream, clock=clock)
    clock.now += 1.5
    line(5000)
    line(10000)
    line.close()
    assert stream.getvalue() == (
        "\rreading history: 5,000 commits\rreading history: 10,000 commits\r\033[K"
    )


def test_only_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_for(io.StringIO()) is None
    assert isinstance(progress_for(Terminal()), ProgressLine)


def test_startup_does_not_import_http_clients() -> None:
    """requests/prometheus_client are for push, comment and the github source only: importing
    them for every command cost ~0.1 s, a fifth of a window report."""
    import subprocess
    import sys

    code = "import sys, deploycount.cli; print(sorted(m for m in ('requests', 'prometheus_client') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
