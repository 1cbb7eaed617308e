"""The commit hooks' cost: median wall time of `git commit -m` in a scratch repository without
the hooks, with them for a person (no agent in the environment), and with them for an agent.

    python -m benchmarks.hook --commits 20

A script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def commit_times(repo: Path, count: int, env: dict[str, str]) -> list[float]:
    times = []
    for n in range(count):
        (repo / "f.txt").write_text(f"{n} {time.time()}\n")
        subprocess.run(["git", "add", "f.txt"], cwd=repo, check=True)
        started = time.perf_counter()
        subprocess.run(["git", "commit", "-q", "-m", f"change {n}"], cwd=repo, env=env, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=20)
    options = parser.parse_args()
    base = {**os.environ, "GIT_AUTHOR_NAME": "B", "GIT_AUTHOR_EMAIL": "b@x",
            "GIT_COMMITTER_NAME": "B", "GIT_COMMITTER_EMAIL": "b@x"}  # fmt: skip
    for variable in ("CLAUDECODE", "DEPLOYCOUNT_AI_TOOL", "AI_AGENT", "AGENT"):
        base.pop(variable, None)
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        rounds: dict[str, list[float]] = {"git alone": [], "hook, person": [], "hook, agent": []}
        hooks = repo / ".git" / "hooks"
        install = [sys.executable, "-m", "deploycount", "-C", str(repo), "hook", "install"]
        # interleaved rounds: a noisy machine slows every side alike
        for _ in range(max(1, options.commits // 5)):
            for name in ("prepare-commit-msg", "commit-msg"):
                (hooks / name).unlink(missing_ok=True)
            rounds["git alone"] += commit_times(repo, 5, base)
            subprocess.run(install, check=True, capture_output=True)
            rounds["hook, person"] += commit_times(repo, 5, base)
            rounds["hook, agent"] += commit_times(repo, 5, {**base, "CLAUDECODE": "1"})
    alone = statistics.median(rounds["git alone"])
    print(f"\nmedians of {len(rounds['git alone'])} commits each, {os.cpu_count()} cores\n")
    print("| commit | median | overhead of the hooks |")
    print("|---|---|---|")
    for name, times in rounds.items():
        median = statistics.median(times)
        extra = "" if name == "git alone" else f"{(median - alone) * 1000:+.0f} ms"
        print(f"| {name} | {median * 1000:.0f} ms | {extra} |")


if __name__ == "__main__":
    main()
