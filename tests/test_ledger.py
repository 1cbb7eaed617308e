"""The deploy ledger in git notes: record, idempotency, push under contention, reading it back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GitRepo, RunCli, clone, ledger_lines

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")
NOTES = "refs/notes/deploycount"


def test_record_writes_one_line_and_is_idempotent(repo: GitRepo, run_cli: RunCli) -> None:
    sha = repo.commit("work", when="2026-10-02T10:00:00Z")
    args = ("record", "--id", "run-1", "--time", "2026-10-02T12:00:00Z")
    first = run_cli(*args, cwd=repo)
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout) == {
        "id": "run-1", "sha": sha, "environment": "production",
        "time": "2026-10-02T12:00:00Z", "status": "success",
    }  # fmt: skip
    ledger_ref = repo.git("rev-parse", NOTES)
    again = run_cli(*args, cwd=repo)
    assert again.exit_code == 0
    assert "already recorded" in again.stderr
    assert repo.git("rev-parse", NOTES) == ledger_ref  # not even a new notes commit
    assert len(ledger_lines(repo)) == 1
    # The same id in another environment is another deploy of the same run.
    run_cli(*args, "--env", "staging", cwd=repo)
    assert [e["environment"] for e in ledger_lines(repo)] == ["production", "staging"]


def test_github_actions_default_id(repo: GitRepo, run_cli: RunCli) -> None:
    first = repo.commit("work")
    head = repo.commit("more work")
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_JOB": "deploy",
    }  # fmt: skip
    result = run_cli("record", "HEAD~1", cwd=repo, env=env)
    assert json.loads(result.stdout)["id"] == f"4242-2-deploy-{first[:12]}"
    # the same run records HEAD too: another sha, so another id, and nothing is lost
    result = run_cli("record", cwd=repo, env=env)
    assert result.exit_code == 0 and "already recorded" not in result.stderr
    assert json.loads(result.stdout)["id"] == f"4242-2-deploy-{head[:12]}"
    assert len(ledger_lines(repo)) == 2


def test_an_id_recorded_with_another_sha_or_status_is_an_error(
    repo: GitRepo, run_cli: RunCli
) -> None:
    first = repo.commit("work", when="2026-10-02T10:00:00Z")
    repo.commit("more", when="2026-10-02T11:00:00Z")
    args = ("--id", "run-7", "--time", "2026-10-02T12:00:00Z")
    assert run_cli("record", "HEAD", *args, cwd=repo).exit_code == 0
    for other in (["record", first, *args], ["record", "HEAD", *args, "--status", "failure"]):
        result = run_cli(*other, cwd=repo)
        assert result.exit_code == 2, result.stderr
        assert "already records a success deploy of" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    again = run_cli("record", "HEAD", *args, cwd=repo)  # the same event again: a no-op
    assert again.exit_code == 0 and "already recorded, unchanged" in again.stderr
    assert len(ledger_lines(repo)) == 1


@pytest.mark.parametrize(
    ("when", "fragment"),
    [("2020-01-01T00:00:00Z", "before the commit was made"), ("2999-01-01", "in the future")],
)
def test_record_refuses_impossible_times_unless_forced(
    repo: GitRepo, run_cli: RunCli, when: str, fragment: str
) -> None:
    repo.commit("work", when="2026-10-02T10:00:00Z")
    refused = run_cli("record", "--time", when, "--id", "x", cwd=repo)
    assert refused.exit_code == 2 and fragment in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert ledger_lines(repo) == []
    # within an hour before the commit is fine (clocks differ); --force insists
    assert run_cli("record", "--time", "2026-10-02T09:30:00Z", "--id", "y", cwd=repo).exit_code == 0
    forced = run_cli("record", "--time", when, "--id", "x", "--force", cwd=repo)
    assert forced.exit_code == 0, forced.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(("--id", "x" * 300), "id"), (("--env", ""), "environment"), (("--env", " "), "environment"),
     (("--id", ""), "id"), (("--id", " padded "), "single lines")],
)  # fmt: skip
def test_record_validates_with_the_readers_model(
    repo: GitRepo, run_cli: RunCli, args: tuple[str, ...], fragment: str
) -> None:
    repo.commit("work")
    result = run_cli("record", *args, cwd=repo)
    assert result.exit_code == 2, result.stderr
    assert fragment in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert ledger_lines(repo) == []


def test_failed_deploys_and_survival_through_gc(repo: GitRepo, run_cli: RunCli) -> None:
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    run_cli("record", base, "--id", "base", "--time", "2026-09-02T00:00:00Z", cwd=repo)
    first = repo.commit("one", when="2026-10-02T10:00:00Z")
    second = repo.commit("two", when="2026-10-03T10:00:00Z")
    run_cli("record", first, "--id", "a", "--time", "2026-10-02T12:00:00Z", cwd=repo)
    run_cli(
        "record",
        second,
        "--id",
        "b",
        "--status",
        "failure",
        "--time",
        "2026-10-03T12:00:00Z",
        cwd=repo,
    )
    run_cli("record", second, "--id", "c", "--time", "2026-10-03T13:00:00Z", cwd=repo)
    repo.git("gc", "--prune=now", "--quiet")
    result = run_cli("report", "--format", "json", *WINDOW, cwd=repo)
    report = result.json()
    assert report["deploy_source"] == "notes"  # the default once the ledger has events
    assert [(d["id"], d["kind"]) for d in report["deployments"]] == [
        ("a", "ship"), ("b", "failed"), ("c", "ship"),
    ]  # fmt: skip
    assert report["totals"]["failed_deployments"] == 1


def test_malformed_lines_are_warnings_and_other_notes_are_untouched(
    repo: GitRepo, run_cli: RunCli
) -> None:
    sha = repo.commit("work", when="2026-10-02T10:00:00Z")
    good = {"id": "ok", "sha": sha, "time": "2026-10-02T12:00:00Z"}
    weird = json.dumps({**good, "id": "x", "status": "weird"})
    repo.git(
        "notes", "--ref=deploycount", "add", "-m", "\n".join(["not json", weird, json.dumps(good)])
    )
    repo.git("notes", "add", "-m", "a review note from another tool")
    other_before = repo.git("rev-parse", "refs/notes/commits")
    run_cli("record", "--id", "new", "--time", "2026-10-02T13:00:00Z", cwd=repo)
    text = repo.git("notes", "--ref=deploycount", "show", sha)
    assert text.splitlines()[0] == "not json"  # lines deploycount cannot read are kept verbatim
    assert repo.git("rev-parse", "refs/notes/commits") == other_before
    report = run_cli("report", "--format", "json", "--deploys", "notes", *WINDOW, cwd=repo).json()
    assert [d["id"] for d in report["deployments"]] == ["ok", "new"]
    problems = [w for w in report["warnings"] if sha[:12] in w]
    assert len(problems) == 2
    assert any("status" in w for w in problems)


def test_fresh_clone_fetches_the_ledger(origin: Path, tmp_path: Path, run_cli: RunCli) -> None:
    deployer = clone(origin, tmp_path / "deployer")
    first = run_cli(
        "record", "HEAD~5", "--id", "d0", "--time", "2026-10-02T12:00:00Z", cwd=deployer
    )
    assert first.exit_code == 0, first.stderr
    result = run_cli(
        "record", "--id", "d1", "--time", "2026-10-08T00:00:00Z", "--push", cwd=deployer
    )
    assert result.exit_code == 0, result.stderr
    fresh = clone(origin, tmp_path / "fresh")
    assert fresh.git("notes", "--ref=deploycount", "list") == ""  # clones do not bring notes
    report = run_cli("report", "--format", "json", *WINDOW, cwd=fresh).json()
    assert report["deploy_source"] == "notes"
    assert [(d["id"], d["kind"], d["commits"]) for d in report["deployments"]] == [
        ("d0", "baseline", 0), ("d1", "ship", 5),
    ]  # fmt: skip


def test_failed_fetch_is_a_warning(repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    repo.commit("work", when="2026-10-02T10:00:00Z")
    repo.tag("v1.0")
    repo.git("remote", "add", "origin", str(tmp_path / "gone.git"))
    result = run_cli("report", "--format", "json", *WINDOW, cwd=repo)
    assert result.exit_code == 0
    report = result.json()
    assert report["deploy_source"] == "tags:v*"
    assert any("could not fetch the deploy ledger" in w for w in report["warnings"])


def test_rejected_push_keeps_the_local_ledger(
    origin: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'ledger is frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    deployer = clone(origin, tmp_path / "deployer")
    result = run_cli("record", "--id", "d1", "--push", "--retries", "2", cwd=deployer)
    assert result.exit_code == 1
    message = result.stderr.splitlines()[-1]
    assert "could not push the deploy ledger to origin (2 attempt(s)" in message
    # the advice pushes what is recorded: following it never records a second event
    assert "`deploycount record --push-only`" in message
    assert [e["id"] for e in ledger_lines(deployer)] == ["d1"]
    hook.unlink()
    again = run_cli("record", "--push-only", cwd=deployer)
    assert again.exit_code == 0, again.stderr
    assert "pushed" in again.stderr and again.stdout == ""
    bare = GitRepo(origin)
    assert [e["id"] for e in ledger_lines(bare)] == ["d1"]
    # re-running the deploy step with the same id is a no-op, also outside Actions
    rerun = run_cli("record", "--id", "d1", "--push", cwd=deployer)
    assert rerun.exit_code == 0 and "already recorded" in rerun.stderr
    assert [e["id"] for e in ledger_lines(bare)] == ["d1"]


def test_other_tools_note_bytes_are_kept_exactly(repo: GitRepo, run_cli: RunCli) -> None:
    sha = repo.commit("work", when="2026-10-02T10:00:00Z")
    odd = b"caf\xe9 not utf-8  \n\n# a comment-looking line\ttab  \n"
    blob = repo.git("hash-object", "-w", "--stdin", input=odd.decode("latin-1"))
    # hash-object via text would re-encode: write the exact bytes instead
    blob = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"], cwd=repo.path, input=odd, capture_output=True,
        check=True,
    ).stdout.decode().strip()  # fmt: skip
    repo.git("notes", "--ref=deploycount", "add", "-C", blob, sha)
    result = run_cli("record", sha, "--id", "r1", "--time", "2026-10-02T12:00:00Z", cwd=repo)
    assert result.exit_code == 0, result.stderr
    stored = subprocess.run(
        ["git", "notes", "--ref=deploycount", "show", sha], cwd=repo.path, capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    assert stored.startswith(odd.rstrip(b"\n") + b"\n")
    assert stored.endswith(result.stdout.encode())


def test_record_push_to_an_unknown_remote_writes_nothing(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("work")
    result = run_cli("record", "--push", "--remote", "typo", cwd=repo)
    assert result.exit_code == 2 and "no git remote named 'typo'" in result.stderr
    assert ledger_lines(repo) == []


@pytest.mark.linux_only
def test_record_push_to_a_hanging_remote_gives_up_in_time(repo: GitRepo, run_cli: RunCli) -> None:
    import socket
    import time

    repo.commit("work")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)  # accepts connections, never answers
    port = server.getsockname()[1]
    try:
        repo.git("remote", "add", "origin", f"http://127.0.0.1:{port}/ledger.git")
        started = time.monotonic()
        result = run_cli("record", "--push", "--push-timeout", "3", cwd=repo)
        took = time.monotonic() - started
    finally:
        server.close()
    assert result.exit_code == 1, result.stderr
    assert took < 10, took
    assert "no answer within" in result.stderr and len(ledger_lines(repo)) == 1
    # git's helpers (git remote-http) went with it: they were left waiting on the socket
    assert processes_mentioning(f"127.0.0.1:{port}") == [], "git helpers outlived the push"


def processes_mentioning(text: str) -> list[str]:
    """The command lines of this machine's processes that contain `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = entry.read_bytes().replace(b"\x00", b" ").decode("utf-8", "replace")
        except OSError:
            continue  # it ended meanwhile
        if text in line:
            found.append(line)
    return found


RECORDER = """
import subprocess, sys
repo, worker, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    sha = subprocess.run(["git", "rev-parse", f"HEAD~{n % 5}"], cwd=repo, capture_output=True,
                         text=True, check=True).stdout.strip()
    result = subprocess.run(
        [sys.executable, "-m", "deploycount", "-C", repo, "record", sha, "--id", f"{worker}-{n}",
         "--time", f"2026-10-{10 + n:02d}T{int(worker[1:]):02d}:00:00Z", "--push"],
        capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{worker}-{n}: {result.stderr}")
"""


@pytest.mark.slow
def test_concurrent_pushes_from_parallel_clones_lose_nothing(
    origin: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    workers = [clone(origin, tmp_path / f"clone-{n}") for n in range(4)]
    per_worker = 6
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RECORDER, str(w.path), f"w{n}", str(per_worker)],
            env=os.environ.copy(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, w in enumerate(workers)
    ]
    for process in processes:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors

    expected = {f"w{n}-{i}" for n in range(4) for i in range(per_worker)}
    ids = [e["id"] for e in ledger_lines(GitRepo(origin))]
    assert len(ids) == len(expected) == 24  # every event, each exactly once
    assert set(ids) == expected
    fresh = clone(origin, tmp_path / "fresh")
    report = run_cli("report", "--format", "json", "--deploys", "notes", *WINDOW, cwd=fresh).json()
    assert {d["id"] for d in report["deployments"]} == expected


def test_one_record_does_not_switch_the_report_to_an_empty_ledger(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """The day the first `record` runs, the report stays on the tags (once it dropped to zero
    deploys: the new event became the baseline); `record --from-tags` moves it to the ledger
    with the same figures."""
    window = ("--since", "2026-10-01", "--until", "2026-10-29", "--format", "json")
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1", annotated_at="2026-09-01T11:00:00Z")
    repo.commit("feat: a\n\nAssisted-by: cursor", when="2026-10-02T10:00:00Z", file="a")
    repo.tag("v1.0", annotated_at="2026-10-03T10:00:00Z")
    repo.tag("v1.1-rc1", annotated_at="2026-10-04T10:00:00Z")
    repo.commit("fix: b", when="2026-10-05T10:00:00Z", file="b")
    repo.tag("v1.1", annotated_at="2026-10-06T10:00:00Z")
    before = run_cli("report", *window, cwd=repo).json()
    assert before["deploy_source"] == "tags:v*" and before["totals"]["deployments"] == 2

    repo.commit("fix: c", when="2026-10-10T10:00:00Z", file="c")
    recorded = run_cli("record", "--time", "2026-10-11T10:00:00Z", "--id", "d1", cwd=repo)
    assert recorded.exit_code == 0, recorded.stderr
    after = run_cli("report", *window, cwd=repo).json()
    assert after["deploy_source"] == "tags:v*"
    assert after["totals"]["deployments"] == 2  # the tags' deploys, not one baseline
    [said] = [w for w in after["warnings"] if "deploy ledger starts on" in w]
    # no remote here: the advice leaves out --push, which would fail and record nothing
    assert said.endswith("deploycount record --from-tags 'v*'")

    backfill = run_cli("record", "--from-tags", "v*", cwd=repo)
    assert backfill.exit_code == 0, backfill.stderr
    assert "recorded 3 deploy(s) from tags:v*" in backfill.stderr  # v1.1-rc1 left out
    again = run_cli("record", "--from-tags", "v*", cwd=repo)
    assert "recorded 0 deploy(s) from tags:v* (3 already recorded)" in again.stderr
    assert sorted(line["id"] for line in ledger_lines(repo)) == ["d1", "v0.1", "v1.0", "v1.1"]
    ledger = run_cli("report", *window, cwd=repo).json()
    assert ledger["deploy_source"] == "notes"
    assert not any("deploy ledger starts on" in w for w in ledger["warnings"])
    assert ledger["totals"]["deployments"] == 3  # v1.0, v1.1 and d1
    assert [d["id"] for d in ledger["deployments"]] == ["v1.0", "v1.1", "d1"]
    assert ledger["totals"]["commits"] == before["totals"]["commits"] + 1


def test_from_tags_takes_no_sha_or_time(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x")
    repo.tag("v1")
    done = run_cli("record", "HEAD~0", "--from-tags", "v*", cwd=repo)
    assert done.exit_code == 2 and "give no SHA, --time, --id or --status" in done.stderr
    none = run_cli("record", "--from-tags", "release-*", cwd=repo)
    assert none.exit_code == 2 and "no tag matches tags:release-*" in none.stderr
