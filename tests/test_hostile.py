"""Outside input that is impossible, huge or deep gets one clear line and exit 2 (README
"Hostile input"): partials for `merge`, nesting in every parsed format, a team file that never
ends, `--every` that would make millions of reports, redirect loops, directories of clones."""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli, make_repo, one_line_error
from tests.servers import Reply, scripted_server

KEY = {"DEPLOYCOUNT_PEOPLE_KEY": "a shared secret of 16+ chars"}
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


@pytest.fixture
def partial(repo: GitRepo, run_cli: RunCli) -> dict[str, Any]:
    """A real partial of a repository with two deploys, one AI-assisted commit, two people."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    repo.commit("feat\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-10-03T00:00:00Z")
    repo.commit("fix", author="Bo <bo@example.com>", when="2026-10-04T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-10-05T00:00:00Z")
    made = run_cli("report", *WINDOW, "--format", "partial", cwd=repo, env=KEY)
    assert made.exit_code == 0, made.stderr
    document: dict[str, Any] = json.loads(made.stdout)
    return document


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


# (what is changed, the field the error must name)
IMPOSSIBLE = [
    (_set("tallies.all.commits", -1), "tallies.all.commits"),
    (_set("tallies.all.ai_commits", 5), "tallies.all.ai_commits"),  # more than commits (2)
    (_set("tallies.all.commits", 10**4000), "tallies.all.commits"),
    (_set("tallies.all.commits", True), "tallies.all.commits"),
    (_set("tallies.all.reverted_ai", 10**30), "tallies.all.reverted_ai"),
    (_set("tallies.all.tools", {"cursor": 71_428}), "tallies.all.tools.cursor"),
    (_set("tallies.all.ai_lead_seconds", [1e308]), "tallies.all.ai_lead_seconds"),
    (_set("tallies.all.human_lead_seconds", [-5]), "tallies.all.human_lead_seconds"),
    (_set("tallies.all.ai_deployments", [7]), "tallies.all.ai_deployments"),
    (_set("teams", [{"name": "pay", "size": 10**30}]), "teams.0.size"),
    (_set("min_team_size", -1), "min_team_size"),
    (_set("min_team_size", 0), "min_team_size"),
    (_set("weeks", 0), "weeks"),
    (_set("weeks", -4), "weeks"),
    (_set("weeks", 1e9), "weeks"),
    (_set("weeks", "4"), "weeks"),
    (_set("since", "garbage"), "since"),
    (_set("until", "2026-10-01T00:00:00"), "until"),  # no zone
    (_set("until", "2020-01-01T00:00:00Z"), "until"),  # before since
    (_set("deployments.0.time", "not a time"), "deployments.0.time"),
    (_set("deployments.0.commits", -3), "deployments.0.commits"),
    (_set("deployments.0.kind", "party"), "deployments.0"),
    (_set("rollbacks", 99), "rollbacks"),
]


@pytest.mark.parametrize(("change", "field"), IMPOSSIBLE)
def test_merge_refuses_an_impossible_partial(
    partial: dict[str, Any], tmp_path: Path, run_cli: RunCli,
    change: Callable[[dict[str, Any]], None], field: str,
) -> None:  # fmt: skip
    document = copy.deepcopy(partial)
    change(document)
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(document))
    done = run_cli("merge", str(path), "--format", "json", cwd=tmp_path)
    assert done.exit_code == 2, done.stdout[:300]
    assert done.stdout == ""
    assert done.stderr.startswith(f"deploycount: error: {path}: {field}: ")
    assert len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_merge_refuses_numbers_json_does_not_have(
    partial: dict[str, Any], tmp_path: Path, run_cli: RunCli, constant: str
) -> None:
    text = json.dumps(partial).replace('"weeks": ', f'"weeks": {constant}, "was": ', 1)
    path = tmp_path / "forged.json"
    path.write_text(text)
    done = run_cli("merge", str(path), cwd=tmp_path)
    assert done.exit_code == 2 and f": JSON: {constant}" in done.stderr


def test_the_real_partial_still_merges(
    partial: dict[str, Any], tmp_path: Path, run_cli: RunCli
) -> None:
    """The checks refuse what is impossible, not what a report writes."""
    path = tmp_path / "real.json"
    path.write_text(json.dumps(partial))
    done = run_cli("merge", str(path), "--format", "json", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert done.json()["totals"]["commits"] == 2 and done.json()["totals"]["ai_commits"] == 1


def test_team_names_from_a_partial_follow_the_config_s_rules(
    partial: dict[str, Any], tmp_path: Path, run_cli: RunCli
) -> None:
    """A forged team name with a line end (a GitHub Actions command on the next line) was
    shown escaped; it is now refused as the config refuses it, with the field named."""
    document = copy.deepcopy(partial)
    document["teams"] = [{"name": "pay\n::error::forged", "size": 5}]
    document["tallies"]["teams"] = {"pay\n::error::forged": document["tallies"]["all"]}
    path = tmp_path / "named.json"
    path.write_text(json.dumps(document))
    done = run_cli("merge", str(path), cwd=tmp_path)
    line = one_line_error(done, 2, "teams", "must be a visible name")
    assert "\n::" not in line and not done.stdout


DEEP = "[" * 100_000


@pytest.mark.parametrize("where", ["partial", "config", "team file"])
def test_deep_nesting_is_one_line(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli, where: str
) -> None:
    repo.commit("x")
    if where == "partial":
        path = tmp_path / "deep.json"
        path.write_text(DEEP)
        done = run_cli("merge", str(path), cwd=tmp_path)
        expected = ": JSON: nested too deeply"
    elif where == "config":
        (repo.path / ".deploycount.toml").write_text(f"a = {DEEP}")
        done = run_cli("report", cwd=repo)
        expected = ".deploycount.toml: TOML: "
    else:
        (tmp_path / "teams.toml").write_text(f"a = {DEEP}")
        (repo.path / ".deploycount.toml").write_text(
            f'[teams]\ninclude = "{tmp_path}/teams.toml"\n'
        )
        done = run_cli("report", cwd=repo)
        expected = "teams.toml: TOML: "
    assert done.exit_code == 2, done.stderr
    assert expected in done.stderr and "nested too deeply" in done.stderr
    assert "RecursionError" not in done.stderr and len(done.stderr.splitlines()) == 1


@contextmanager
def endless_server(*, declared: bool) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 that answers one GET with a body that never ends (or with a
    Content-Length of 1 GiB first), a MiB at a time, until the client hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.recv(65536)
                head = b"HTTP/1.1 200 OK\r\n"
                head += b"Content-Length: 1073741824\r\n" if declared else b""
                connection.sendall(head + b"Connection: close\r\n\r\n")
                chunk = b"# " + b"x" * (1 << 20) + b"\n"
                sent = 0
                try:
                    while not stop.is_set() and sent < 1 << 30:
                        connection.sendall(chunk)
                        sent += len(chunk)
                except OSError:
                    pass  # the client stopped reading: what the test wants

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/teams.toml"
    finally:
        stop.set()
        thread.join(10)
        listener.close()


@pytest.mark.linux_only
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_a_team_file_is_cut_off_at_its_cap(repo: GitRepo, tmp_path: Path, declared: bool) -> None:
    """Refused from its Content-Length, or once 4 MiB have arrived: the process never holds
    the gigabyte (its peak memory stays far below it)."""
    repo.commit("x")
    with endless_server(declared=declared) as url:
        (repo.path / ".deploycount.toml").write_text(f'[teams]\ninclude = "{url}"\n')
        # A fresh parent whose one child is the report: its peak is the report's alone.
        measure = (
            "import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[1:]).returncode\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
            "sys.exit(code)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", measure, sys.executable, "-m", "deploycount", "report"],
            cwd=repo.path, capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        )  # fmt: skip
    *said, peak_kb = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(said) == 1 and "larger than 4 MiB" in said[0]
    assert int(peak_kb) / 1024 < 200, peak_kb  # the body was 1 GiB


@pytest.mark.parametrize(
    ("every", "since"), [("1h", "0001-01-01"), ("1h", "260w"), ("1d", "1990-01-01")]
)
def test_every_refuses_more_periods_than_it_can_report(
    repo: GitRepo, run_cli: RunCli, every: str, since: str
) -> None:
    repo.commit("x")
    done = run_cli("report", "--every", every, "--since", since, cwd=repo)
    assert done.exit_code == 2
    assert "more than the 1,000 one report may hold" in done.stderr
    assert len(done.stderr.splitlines()) == 1


def test_every_at_the_cap_is_reported(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x", when="2026-10-02T10:00:00Z")
    repo.tag("v1")
    done = run_cli("report", "--every", "1h", "--since", "2026-09-20T08:00:00Z", "--until",
                   "2026-10-31T00:00:00Z", "--format", "json", cwd=repo)  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert len(done.json()) == 976


def test_a_redirect_loop_is_called_one(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x")
    with scripted_server(lambda request, n: Reply(302, headers={"Location": f"/loop{n}"})) as s:
        (repo.path / ".deploycount.toml").write_text(f'[teams]\ninclude = "{s.url}/teams"\n')
        done = run_cli("report", cwd=repo)
    assert done.exit_code == 1, done.stderr
    assert "too many redirects" in done.stderr and "another host" not in done.stderr


def test_a_bare_repository_in_a_directory_of_clones_is_included(
    tmp_path: Path, run_cli: RunCli
) -> None:
    seed = make_repo(tmp_path / "seed")
    seed.commit("feat\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z")
    seed.tag("v1", annotated_at="2026-10-03T00:00:00Z")
    clones = tmp_path / "clones"
    clones.mkdir()
    subprocess.run(["git", "clone", "-q", str(seed.path), str(clones / "work")], check=True)
    other = make_repo(tmp_path / "other")
    other.commit("fix", when="2026-10-04T10:00:00Z")
    other.tag("v2", annotated_at="2026-10-05T00:00:00Z")
    subprocess.run(["git", "clone", "-q", "--bare", str(other.path), str(clones / "mirror.git")],
                   check=True)  # fmt: skip
    done = run_cli("report", *WINDOW, "--repo", str(clones), "--format", "json", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert len(done.json()["repositories"]) == 2
    assert [d["id"] for d in done.json()["deployments"]] == ["v1", "v2"]


def test_symlink_loops_are_named_at_once(repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    """A --repo or an origin that is a symlink loop: the two paths, named before git is asked."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    done = run_cli("report", "--repo", str(tmp_path / "a"), cwd=tmp_path)
    assert done.exit_code == 2
    assert f"a symlink loop: {tmp_path}/a -> {tmp_path}/b -> {tmp_path}/a" in done.stderr
    repo.commit("x")
    repo.git("remote", "add", "origin", str(tmp_path / "a"))
    report = run_cli("report", "--format", "json", cwd=repo)
    assert report.exit_code == 0, report.stderr
    assert any(f"{tmp_path}/a -> {tmp_path}/b" in w for w in report.json()["warnings"])
