"""Ctrl-C at any moment, a reader that goes away: one line, the right exit code, no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.synth import SynthSpec, build_synthetic
from tests.conftest import GitRepo

pytestmark = pytest.mark.linux_only


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
# Before about 0.05 s (more on a loaded machine) the signal reaches Python's own start-up (site,
# runpy), where no program can catch it; from deploycount's main on, it is one line and 130.
@pytest.mark.parametrize("after", [0.08, 0.1, 0.12, 0.15, 0.2, 0.3])
def test_ctrl_c_in_the_first_moments_is_one_line(repo: GitRepo, after: float) -> None:
    """While Python starts, imports the CLI, parses the flags or reads git: exit 130 (or 0 when
    the report was done before the signal came), never a traceback."""
    for day in range(1, 8):
        repo.commit(f"change {day}", when=f"2026-10-0{day}T10:00:00Z")
        repo.tag(f"v1.{day}")
    process = subprocess.Popen(
        [sys.executable, "-m", "deploycount", "report", "--since", "2026-09-01", "--until",
         "2026-11-01"],
        cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(after)  # the moment to interrupt, not a wait for something to happen
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    if out.startswith("deploycount ·") and err == "":
        # The report was done before the signal: it exits 0, or, when the signal comes while
        # Python itself is shutting down (its handlers gone), by the signal.
        assert process.returncode in (0, -signal.SIGINT)
        return
    assert process.returncode == 130, (process.returncode, err)
    assert err == "deploycount: error: interrupted\n", err


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_reader_that_goes_away_ends_scan_quietly(tmp_path: Path, fmt: str) -> None:
    """`scan | head -c 10`: no 'unexpected BrokenPipeError (a bug)', exit 0 like `report`."""
    repo = GitRepo(tmp_path / "many")
    build_synthetic(repo.path, SynthSpec(commits=3000))  # far more than a pipe holds
    done = subprocess.run(
        f"{sys.executable} -m deploycount scan --format {fmt} | head -c 10",
        shell=True, cwd=repo.path, capture_output=True, text=True, check=False,
        executable="/bin/bash",
    )  # fmt: skip
    assert len(done.stdout) == 10
    piped = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {sys.executable} -m deploycount scan --format {fmt} "
         "| head -c 10 > /dev/null; echo ${PIPESTATUS[0]}"],
        cwd=repo.path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert piped.stdout.strip() == "0" and piped.stderr == "", piped.stderr


def test_the_console_script_enters_through_the_package(tmp_path: Path) -> None:
    """The `deploycount` command calls `deploycount.main`, which catches Ctrl-C while the CLI
    is imported; pyproject names it."""
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'deploycount = "deploycount:main"' in text


def test_ctrl_c_wrapped_by_python_is_still_one_line() -> None:
    """A Ctrl-C that lands while a class is being made reaches us as `RuntimeError: Error
    calling __set_name__` (seen once in this suite at 0.1 s): it is an interrupt too."""
    from deploycount.cli import _caused_by_ctrl_c

    wrapped = RuntimeError("Error calling __set_name__ on 'Field' instance")
    wrapped.__cause__ = KeyboardInterrupt()
    assert _caused_by_ctrl_c(wrapped)
    assert not _caused_by_ctrl_c(RuntimeError("a real bug"))
