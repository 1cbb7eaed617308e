"""Ctrl-C at any moment, a reader that goes away: one line, the right exit code, no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.synth import SynthSpec, build_synthetic
from tests.conftest import GitRepo

pytestmark = pytest.mark.linux_only


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
# The moments to interrupt, each a module the program has just imported (python -X importtime
# says so on stderr): while the CLI loads (click), once it is loaded and parses the flags
# (deploycount.cli), while it loads its config and reads git (deploycount.config,
# deploycount.pipeline, deploycount.history.reading). Each comes after deploycount.main has
# taken Ctrl-C in hand, so the answer is the same on an idle machine and a loaded one.
@pytest.mark.parametrize(
    "after",
    ["click", "deploycount.cli", "deploycount.config", "deploycount.pipeline",
     "deploycount.history.reading"],
)  # fmt: skip
def test_ctrl_c_in_the_first_moments_is_one_line(repo: GitRepo, after: str) -> None:
    """While the program imports the CLI, parses the flags or reads git: exit 130 (or 0 when
    the report was done before the signal came), never a traceback."""
    for day in range(1, 8):
        repo.commit(f"change {day}", when=f"2026-10-0{day}T10:00:00Z")
        repo.tag(f"v1.{day}")
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", "deploycount", "report", "--since",
         "2026-09-01", "--until", "2026-11-01"],
        cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:  # wait for the program to say it got there
        if line.startswith("import time:") and line.split("|")[-1].strip() == after:
            break
    else:
        pytest.fail(f"{after} was never imported")
    process.send_signal(signal.SIGINT)
    out, rest = process.communicate(timeout=60)
    err = "".join(line for line in rest.splitlines(True) if not line.startswith("import time:"))
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
