"""Benchmark `deploycount merge` on many partial reports.

    python -m benchmarks.merge --partials 500 --people 20 --runs 3

Writes N partials (one per repository: `--people` people each, drawn from an organisation
where most people work in several repositories; four teams; 30 deploys and 150 commits each, with
lead times), then runs `deploycount merge` on all of them as a user would and prints the median
wall time and peak memory (max RSS of the merge process). A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from deploycount.model import DeploymentRow
from deploycount.partial import to_json
from deploycount.tallies import Partial, Tallies

TEAMS = ("pay", "web", "ops", "data")
KEY = b"benchmark key, not a secret....."


def make_partial(number: int, people_per_repo: int, pool: list[str], rng: random.Random) -> Partial:
    repository = f"acme/service-{number:04d}"
    people = rng.sample(pool, people_per_repo)
    rows = [
        DeploymentRow(
            id=f"v1.{n}", sha=f"{number:04x}{n:04x}".ljust(40, "0"),
            time=f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:00:00Z", kind="ship",
            commits=5, ai_commits=n % 3, repository=repository,
        )
        for n in range(30)
    ]  # fmt: skip
    tallies = Tallies()
    for n in range(150):
        person = people[n % len(people)]
        team = TEAMS[hash(person) % len(TEAMS)]
        ai = n % 3 == 0
        lead = rng.uniform(600, 14 * 86400)
        for tally in (tallies.totals, tallies.by_team[team]):
            tally.deployments.add(n % 30)
            tally.commits += 1
            tally.people.add(person)
            if ai:
                tally.ai_deployments.add(n % 30)
                tally.ai_commits += 1
                tally.ai_lead.append(lead)
                tally.tools["claude-code"] += 1
            else:
                tally.human_lead.append(lead)
    return Partial(
        repository=repository, environment="production", deploy_source="tags:v*",
        since="2026-10-01T00:00:00Z", until="2026-10-29T00:00:00Z", weeks=4.0,
        min_team_size=3, teams=[(t, None) for t in TEAMS], tallies=tallies, deployments=rows,
        rollbacks=0, failed_deployments=0, warnings=[],
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partials", type=int, default=500)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    # An organisation of partials x people / 4 people: each works in about four repositories.
    pool = [f"person{n}@acme.example.com" for n in range(args.partials * args.people // 4)]
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = []
        for number in range(args.partials):
            path = folder / f"p{number:04d}.json"
            path.write_text(to_json(make_partial(number, args.people, pool, rng), KEY))
            files.append(str(path))
        size = sum(Path(f).stat().st_size for f in files) / 1e6
        command = [sys.executable, "-m", "deploycount", "merge", *files, "--format", "json",
                   "--output", str(folder / "org.json")]  # fmt: skip
        walls, rss = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            subprocess.run(command, check=True)
            walls.append(time.perf_counter() - started)
            rss.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
        print(
            f"merge of {args.partials} partials ({args.people} people each, {len(pool)} "
            f"distinct people, {size:.1f} MB of JSON) on {os.cpu_count()} cores"
        )
        print(f"  wall time, median of {args.runs}: {statistics.median(walls):.2f} s")
        print(f"  peak memory (max RSS of the merge): {max(rss) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
