"""A monorepo's report with and without `[services]`, side by side with `git log`.

    python -m benchmarks.monorepo --commits 200000 --services 20 --rounds 3

The history (built once with `git fast-import` under benchmarks/work/) has `packages/pNN/`
directories, one per service; each commit changes a file of one package (one in ten changes two,
one in fifty only a root file), and every few hundred commits one package is released with a
changesets-style tag `pNN@1.M.0`. The same full-history report is timed three ways: every
release tag as one deploy stream (`--deploys 'tags:*@*'`, no path filter), and with a
`[services]` section giving each package its paths and tags. Beside them, `git log --name-only`
over the range the one-stream report reads, and issue 35.8's bar for the services report: 1.3
times (the one-stream report + that `git log`); and `git log --name-only` over the range the
services report must read (back to the common ancestor of the last release before the window of
every service that releases in it: its first release in the window ships everything since), with
the bar that range gives; and in the window, the cheapest read git offers of the older commits
the services need (`git log -- PATHS` over what lies between the two ranges, limited to the
services that release in the window). A script, not a test: figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import HERE, iso
from benchmarks.synth import AI_MARKERS, START, FastImport, finish, run_fast_import
from deploycount.history.columns import LOG_FORMAT


def build_monorepo(repo: Path, commits: int, services: int, *, seed: int = 11) -> int:
    """The history described above; returns the time of the last commit."""
    rng = random.Random(seed)
    process = run_fast_import(repo)
    assert process.stdin is not None
    writer = FastImport(process.stdin)
    people = [f"Person {i} <person{i}@example.com>" for i in range(60)]
    versions = [0] * services
    head, when = 0, START
    for number in range(1, commits + 1):
        when += 300
        touched = rng.sample(range(services), 2 if rng.random() < 0.1 else 1)
        files = {f"packages/p{s:02}/src/file{number % 50}.ts": b"%d\n" % number for s in touched}
        if rng.random() < 0.02:
            files = {"README.md": b"%d\n" % number}
        message = f"fix: change {number}\n"
        if rng.random() < 0.3:
            message = message.rstrip("\n") + rng.choice(AI_MARKERS)
        who = rng.choice(people)
        head = writer.commit(
            message=message.encode(), author=who, committer=who, when=when,
            parents=[head] if head else [], files=files,
        )  # fmt: skip
        if number % (4000 // services) == 0:
            service = rng.randrange(services)
            versions[service] += 1
            writer.tag(f"p{service:02}@1.{versions[service]}.0", head, when=when + 60)
    finish(process)
    subprocess.run(["git", "pack-refs", "--all"], cwd=repo, check=True)
    return when


def services_config(services: int) -> str:
    return "".join(
        f'[services.p{s:02}]\npaths = ["packages/p{s:02}"]\ntags = "p{s:02}@*"\n\n'
        for s in range(services)
    )


def _releases(repo: Path) -> list[tuple[int, str]]:
    """Every release tag (`pNN@1.M.0`) with its time, oldest first."""
    listed = subprocess.run(
        ["git", "for-each-ref", "--format=%(creatordate:unix) %(refname)", "refs/tags/*@*"],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout.split("\n")  # fmt: skip
    return sorted((int(when), name) for when, name in (line.split() for line in listed if line))


def one_stream_range(repo: Path, since: int, until: int) -> list[str]:
    """The revisions the one-stream report reads for [since, until): from the newest release in
    the window back to the last release before it (every `*@*` tag is a deploy)."""
    tags = _releases(repo)
    inside = [name for when, name in tags if since <= when < until]
    before = [name for when, name in tags if when < since]
    return [inside[-1], *(f"^{name}" for name in before[-1:])]


def services_range(repo: Path, since: int, until: int) -> list[str]:
    """The revisions the services report must read for [since, until): from the newest release
    in the window back to the common ancestor of the last release before the window of each
    service that releases in it (`pNN@…` tags; the history is one line)."""
    tags = _releases(repo)
    inside = [name for when, name in tags if since <= when < until]
    anchors = []
    for service in sorted({name.split("/")[-1].split("@")[0] for name in inside}):
        before = [name for when, name in tags
                  if when < since and name.split("/")[-1].split("@")[0] == service]  # fmt: skip
        if not before:
            return [inside[-1]]  # its first release ever ships the whole history
        anchors.append(before[-1])
    base = subprocess.run(["git", "merge-base", "--octopus", *anchors], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    return [inside[-1], f"^{base}"]


def older_touching(repo: Path, since: int, until: int) -> list[str]:
    """The cheapest read git offers of what the services report needs beyond the one stream's
    range: the commits between the services' range's base and the one stream's boundary that
    touch a service releasing in the window (path-limited, no diff printed). Empty when the two
    ranges are the same."""
    one, services = one_stream_range(repo, since, until), services_range(repo, since, until)
    if len(one) < 2 or len(services) < 2 or one[1] == services[1]:
        return []
    tags = _releases(repo)
    inside = sorted({name.split("/")[-1].split("@")[0] for when, name in tags
                     if since <= when < until})  # fmt: skip
    return [one[1][1:], services[1], "--", *(f"packages/{service}" for service in inside)]


def _wall(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=200_000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    repo = HERE / "work" / f"monorepo-{arguments.commits}-{arguments.services}"
    stamp = repo / ".git" / "deploycount-bench-last"
    if not stamp.exists():
        shutil.rmtree(repo, ignore_errors=True)
        started = time.perf_counter()
        stamp.parent.mkdir(parents=True, exist_ok=True)
        last = build_monorepo(repo, arguments.commits, arguments.services)
        stamp.write_text(str(last))
        print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    last = int(stamp.read_text())
    until = iso(last + 3600)
    month = iso(last + 3600 - 28 * 86_400)
    windows = {"full history": ["--since", "2000-01-01", "--until", until],
               "28 days": ["--since", month, "--until", until]}  # fmt: skip
    end = last + 3600
    ranges = {"full history": one_stream_range(repo, 0, end),
              "28 days": one_stream_range(repo, end - 28 * 86_400, end)}  # fmt: skip
    needed = {"full history": services_range(repo, 0, end),
              "28 days": services_range(repo, end - 28 * 86_400, end)}  # fmt: skip
    older = {name: older_touching(repo, end - days * 86_400, end)
             for name, days in (("full history", 100_000), ("28 days", 28))}  # fmt: skip
    ours = [sys.executable, "-m", "deploycount", "report", "--format", "json"]
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "services.toml"
        config.write_text(services_config(arguments.services))
        empty = Path(scratch) / "empty.toml"
        empty.write_text("")
        commands = {
            "git log --all > /dev/null": ["git", "log", "-z", f"--format={LOG_FORMAT}", "--all"]
        }
        for name, window in windows.items():
            name_only = ["git", "log", "--name-only", "--no-renames", "--format=%H", *ranges[name]]
            commands[f"{name}: git log --name-only, one stream's range"] = name_only
            commands[f"{name}: git log --name-only, the services' range"] = [
                *name_only[:5], *needed[name]]  # fmt: skip
            if older[name]:
                commands[f"{name}: git log -- PATHS, the older commits services need"] = [
                    "git", "log", "--no-merges", "--format=%H", *older[name]]  # fmt: skip
            commands[f"{name}: every tag one stream"] = [
                *ours,
                *window,
                "--config",
                str(empty),
                "--deploys",
                "tags:*@*",
            ]
            commands[f"{name}: {arguments.services} services"] = [
                *ours, *window, "--config", str(config)]  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(arguments.rounds):
            for name, args in commands.items():
                times[name].append(_wall(args, repo))
    _print(arguments, {name: statistics.median(values) for name, values in times.items()})


def _print(arguments: argparse.Namespace, medians: dict[str, float]) -> None:
    base = medians["git log --all > /dev/null"]
    print(f"\n{arguments.commits:,} commits, {arguments.services} services: medians of "
          f"{arguments.rounds} interleaved rounds\n")  # fmt: skip
    print("| command | wall | × git log | × one stream | bar (35.8) | bar, the services' range |")
    print("|---|---|---|---|---|---|")
    for name, wall in medians.items():
        period = name.split(":")[0]
        plain = medians.get(f"{period}: every tag one stream", wall)
        bar = proposed = ""
        if name.endswith(" services"):
            floor = medians[f"{period}: git log --name-only, one stream's range"]
            limit = 1.3 * (plain + floor)
            bar = f"{limit:.2f} s, {'within' if wall <= limit else 'over'}"
            floor = medians[f"{period}: git log --name-only, the services' range"]
            limit = 1.3 * (plain + floor)
            proposed = f"{limit:.2f} s, {'within' if wall <= limit else 'over'}"
        print(f"| {name} | {wall:.2f} s | {wall / base:.2f} | {wall / plain:.2f} | {bar} "
              f"| {proposed} |")  # fmt: skip


if __name__ == "__main__":
    main()
