"""deploycount against git itself, at several sizes, in interleaved rounds.

    python -m benchmarks.speed --sizes 200000,1000000 --rounds 3

For each size (a synthetic history built once with `git fast-import` under benchmarks/work/),
each round runs every command once, one after the other, so that a noisy machine slows all of
them alike; the medians are printed side by side. For deploycount's commands it shows the wall
time, the CPU time and peak memory of the deploycount process, and the CPU time and peak memory
of the git processes it started (a `git` shim first on PATH runs the real git under
`/usr/bin/time`). The baselines are `git log` printing the same fields, to /dev/null and piped
to `cat`. It also times start-up (`deploycount --help`), the full report with the compiled
extension turned off (DEPLOYCOUNT_PURE_PYTHON=1), and the window report in a shared clone that
has a commit-graph file (as a repository `git gc` has run in has). A script, not a test: figures
are printed, never asserted.

It first compiles deploycount's bytecode, as `pip install` does: under PYTHONDONTWRITEBYTECODE=1
(set on some CI images) an editable checkout would otherwise recompile every changed module on
every run, and start-up would measure the compiler.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import deploycount
from benchmarks.run import HERE, iso
from benchmarks.synth import SynthSpec, build_synthetic
from deploycount.history.columns import LOG_FORMAT, compiled

TIME = "/usr/bin/time"
QUICK = ("28-day window report", "28-day window report, with a commit-graph", "deploycount --help")
QUICK_SAMPLES = 5


@dataclass
class Sample:
    wall: float
    cpu: float  # user + system of the process and everything it waited for
    rss_mb: float  # peak of the process (Linux counts its waited-for children in it too)
    git_cpu: float = 0.0
    git_rss_mb: float = 0.0


def _timed(args: list[str], cwd: Path, env: dict[str, str], git_log: Path | None) -> Sample:
    with tempfile.NamedTemporaryFile("r", suffix=".time") as record:
        if git_log is not None:
            git_log.write_text("")
        command = [TIME, "-f", "%e %U %S %M", "-o", record.name, *args]
        with open(os.devnull, "wb") as sink:
            done = subprocess.run(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE,
                                  check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{shlex.join(args)} failed: {done.stderr.decode()[-500:]}")
        wall, user, system, rss = record.read().split()[-4:]
    sample = Sample(float(wall), float(user) + float(system), int(rss) / 1024)
    if git_log is not None:
        rows = [line.split() for line in git_log.read_text().splitlines() if line.strip()]
        rows = [row for row in rows if len(row) == 4]
        sample.git_cpu = sum(float(u) + float(s) for _, u, s, _ in rows)
        sample.git_rss_mb = max((int(m) for *_, m in rows), default=0) / 1024
    return sample


def _git_shim(folder: Path, log: Path) -> dict[str, str]:
    real = shutil.which("git")
    assert real is not None
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\nexec {TIME} -a -o "{log}" -f "%e %U %S %M" "{real}" "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def _median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.rss_mb for s in samples),
        statistics.median(s.git_cpu for s in samples),
        max(s.git_rss_mb for s in samples),
    )


def _repository(size: int, workdir: Path) -> tuple[Path, int]:
    repo = workdir / f"synthetic-{size}"
    stamp = repo / ".git" / "deploycount-bench-last"
    if not stamp.exists():
        shutil.rmtree(repo, ignore_errors=True)
        started = time.perf_counter()
        stamp_value = build_synthetic(repo, SynthSpec(commits=size))
        stamp.write_text(str(stamp_value))
        print(f"built {size:,} commits in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return repo, int(stamp.read_text())


def _with_commit_graph(repo: Path) -> Path:
    """A `--shared` clone of `repo` (same objects, same tags) with a commit-graph file, as `git gc`
    or `git maintenance` leave in a long-lived repository (a fresh clone has none): git then
    parses the excluded deploys from the graph instead of from the pack. Built once."""
    clone = repo.with_name(f"{repo.name}-commit-graph")
    stamp = clone / ".git" / "deploycount-bench-graph"
    if not stamp.exists():
        shutil.rmtree(clone, ignore_errors=True)
        subprocess.run(["git", "clone", "--quiet", "--shared", "--no-checkout", str(repo),
                        str(clone)], check=True)  # fmt: skip
        subprocess.run(["git", "-C", str(clone), "commit-graph", "write", "--reachable"],
                       check=True, capture_output=True)  # fmt: skip
        stamp.write_text("")
    return clone


def measure(size: int, rounds: int, workdir: Path) -> None:
    repo, last = _repository(size, workdir)
    until = iso(last + 3600)
    since_window = iso(int((datetime.fromtimestamp(last + 3600, tz=UTC)
                            - timedelta(days=28)).timestamp()))  # fmt: skip
    ours = [sys.executable, "-m", "deploycount"]
    git_fields = ["git", "log", "-z", f"--format={LOG_FORMAT}"]
    commands: dict[str, list[str]] = {
        "git log --all > /dev/null": [*git_fields, "--all"],
        "git log --all piped to cat": ["sh", "-c", f"{shlex.join([*git_fields, '--all'])} | cat"],
        "git log main > /dev/null": [*git_fields, "main"],
        "full-history report": [*ours, "report", "--format", "json", "--since", "2000-01-01",
                                "--until", until],
        "full-history report, pure Python": [
            "env", "DEPLOYCOUNT_PURE_PYTHON=1", *ours, "report", "--format", "json",
            "--since", "2000-01-01", "--until", until],
        "28-day window report": [*ours, "report", "--format", "json", "--since", since_window,
                                 "--until", until],
        "28-day window report, with a commit-graph": [
            *ours, "-C", str(_with_commit_graph(repo)), "report", "--format", "json",
            "--since", since_window, "--until", until],
        "scan of main": [*ours, "scan", "--format", "json", "main"],
        "deploycount --help": [*ours, "--help"],
    }  # fmt: skip
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as scratch:
        git_log = Path(scratch) / "git.times"
        shimmed = _git_shim(Path(scratch), git_log)
        for _ in range(rounds):
            for name, args in commands.items():
                ours_command = ours[0] in args
                # A command under a second is sampled QUICK_SAMPLES times a round: a stall of
                # the machine is a larger share of it.
                for _ in range(QUICK_SAMPLES if name in QUICK else 1):
                    samples[name].append(
                        _timed(
                            args,
                            repo,
                            shimmed if ours_command else dict(os.environ),
                            git_log if ours_command else None,
                        )
                    )
    result = {name: _median(values) for name, values in samples.items()}
    base, piped = result["git log --all > /dev/null"], result["git log --all piped to cat"]
    built = "built" if compiled() else "NOT built: every row is pure Python"
    print(f"\n{size:,} commits: medians of {rounds} interleaved rounds ({QUICK_SAMPLES} samples a "
          f"round when under a second), {os.cpu_count()} cores, extension {built}\n")  # fmt: skip
    print(
        "| command | wall | × git > null | × git piped | CPU (all) | peak RSS | git CPU | git RSS |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, m in result.items():
        against = result["git log main > /dev/null"] if name == "scan of main" else base
        ratio = f"{m.wall / against.wall:.2f}" if "git log" not in name else ""
        ratio_piped = f"{m.wall / piped.wall:.2f}" if "report" in name else ""
        git = (f"{m.git_cpu:.2f} s", f"{m.git_rss_mb:.0f} MB") if m.git_cpu else ("", "")
        print(f"| {name} | {m.wall:.2f} s | {ratio} | {ratio_piped} | {m.cpu:.2f} s | "
              f"{m.rss_mb:.0f} MB | {git[0]} | {git[1]} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200000", help="comma-separated commit counts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "work")
    options = parser.parse_args()
    if not Path(TIME).exists():
        sys.exit(f"{TIME} is needed (Debian: apt-get install time)")
    compileall.compile_dir(Path(deploycount.__file__).parent, quiet=1)
    git_version = subprocess.check_output(["git", "--version"]).decode().split()[-1]
    print(f"git {git_version}, Python {sys.version.split()[0]}")
    for size in (int(s) for s in options.sizes.split(",")):
        measure(size, options.rounds, options.workdir)


if __name__ == "__main__":
    main()
