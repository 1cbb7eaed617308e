"""Errors (README "Exit codes and errors"): one line on stderr, the right exit code, no traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GitRepo, RunCli, one_line_error

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


def test_not_a_git_repository(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("report", cwd=tmp_path)
    one_line_error(result, 2, "not inside a git repository")
    # -C naming nothing: said as such, not as git failing to start ("[Errno 2] ... PosixPath")
    gone = run_cli("report", cwd=tmp_path / "missing")
    one_line_error(gone, 2, f"{tmp_path / 'missing'} is not a directory", "-C DIR")


def test_a_repository_is_found_from_anywhere_in_it(repo: GitRepo, tmp_path: Path) -> None:
    """From a subdirectory the root is the work tree; inside .git, and in a bare repository,
    it is the git dir (where git's --show-toplevel has no answer)."""
    from deploycount.repository import Repository

    (repo.path / "src" / "deep").mkdir(parents=True)
    git_dir = (repo.path / ".git").resolve()
    found = Repository(repo.path / "src" / "deep")
    assert (found.root, found.git_dir) == (repo.path.resolve(), git_dir)
    found = Repository(repo.path / ".git" / "objects")
    assert (found.root, found.git_dir) == (git_dir, git_dir)
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    found = Repository(bare)
    assert (found.root, found.git_dir) == (bare.resolve(), bare.resolve())


def test_unknown_flag(repo: GitRepo, run_cli: RunCli) -> None:
    one_line_error(run_cli("report", "--frobnicate", cwd=repo), 2, "--frobnicate")


@pytest.mark.parametrize("value", ["yesterday", "2026-13-45", "28x"])
def test_bad_date(repo: GitRepo, run_cli: RunCli, value: str) -> None:
    one_line_error(run_cli("report", "--since", value, cwd=repo), 2, "--since", value)


def test_since_after_until(repo: GitRepo, run_cli: RunCli) -> None:
    result = run_cli("report", "--since", "2026-11-01", "--until", "2026-10-01", cwd=repo)
    one_line_error(result, 2, "must be before")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[teams.payments]\nmembers = ['a@x']\nsize = 'six'\n", ["teams.payments.size"]),
        ("[report]\nsinse = '4w'\n", ["report.sinse", "unknown key"]),
        ("[teams.all]\nmembers = ['a@x']\n", ["reserved"]),
        ("[attribution]\nmin_confidence = 'very'\n", ["attribution.min_confidence"]),
        ("[attribution.identities]\nskynet = ['x@y']\n", ["unknown tool"]),
        ("this is not toml", ["line 1"]),
    ],
)
def test_invalid_config_names_file_and_key(
    repo: GitRepo, run_cli: RunCli, text: str, fragments: list[str]
) -> None:
    (repo.path / ".deploycount.toml").write_text(text)
    result = run_cli("report", cwd=repo)
    one_line_error(result, 2, ".deploycount.toml", *fragments)


def test_missing_explicit_config(repo: GitRepo, run_cli: RunCli) -> None:
    one_line_error(run_cli("report", "--config", "nope.toml", cwd=repo), 2, "nope.toml")


def test_bad_event_file_names_the_line(repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    sha = repo.commit("x")
    good = {"id": "a", "sha": sha, "time": "2026-10-02T00:00:00Z"}
    path = tmp_path / "events.ndjson"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "time": "2026-10-02"}) + "\n")
    result = run_cli("report", "--deploys", f"file:{path}", cwd=repo)
    one_line_error(result, 2, "events.ndjson:3", "time")
    bad = {**good, "id": "b", "sha": "zz"}
    path.write_text(f"[\n  {json.dumps(good)},\n  {json.dumps(bad)}\n]")
    one_line_error(
        run_cli("report", "--deploys", f"file:{path}", cwd=repo), 2, "events.ndjson:3", "sha"
    )
    path.write_text("{not json")
    one_line_error(
        run_cli("report", "--deploys", f"file:{path}", cwd=repo),
        2,
        "events.ndjson:1",
        "not valid JSON",
    )
    path.write_text(json.dumps({**good, "status": "exploded"}))
    one_line_error(run_cli("report", "--deploys", f"file:{path}", cwd=repo), 2, "status")


def test_unknown_deploy_source(repo: GitRepo, run_cli: RunCli) -> None:
    one_line_error(run_cli("report", "--deploys", "jenkins", cwd=repo), 2, "unknown deploy source")


def test_debug_shows_traceback(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("--debug", "report", cwd=tmp_path)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_shallow_clone_that_lacks_the_window_history(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    for day in range(2, 12):
        repo.commit(f"change {day}", when=f"2026-10-{day:02d}T10:00:00Z")
    events = tmp_path / "events.ndjson"
    events.write_text(
        f'{{"id": "d0", "sha": "{base}", "time": "2026-09-02T00:00:00Z"}}\n'
        f'{{"id": "d1", "sha": "{repo.head()}", "time": "2026-10-12T00:00:00Z"}}\n'
    )
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "3", f"file://{repo.path}", str(clone)], check=True
    )
    # d0 is known (so d1 is no baseline) but its commit is not in the clone: d1's history
    # runs into the shallow boundary.
    result = run_cli("report", "--deploys", f"file:{events}", *WINDOW, cwd=clone)
    one_line_error(result, 2, "shallow", "fetch-depth: 0", "--unshallow")


def test_shallow_clone_with_enough_history_works(
    repo: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    repo.commit("ancient 1", when="2026-08-01T10:00:00Z")
    repo.commit("ancient 2", when="2026-08-02T10:00:00Z")
    repo.commit("old", when="2026-09-01T10:00:00Z")
    repo.tag("v0.1")
    for day in range(2, 6):
        repo.commit(f"change {day}", when=f"2026-10-{day:02d}T10:00:00Z")
    repo.tag("v0.2")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "5", f"file://{repo.path}", str(clone)], check=True
    )
    assert (clone / ".git" / "shallow").exists()  # the ancient commits are really missing
    result = run_cli("report", "--format", "json", *WINDOW, cwd=clone)
    assert result.exit_code == 0, result.stderr
    assert result.json()["totals"]["commits"] == 4


def test_global_options_after_the_command(repo: GitRepo, tmp_path: Path) -> None:
    import subprocess
    import sys

    repo.commit("x")
    result = subprocess.run(
        [sys.executable, "-m", "deploycount", "scan", "-n", "1", "--debug", "-C", str(repo.path)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 of 1 commits" in result.stderr or "0 of 1 commits" in result.stderr


def test_a_checkout_owned_by_another_user_names_safe_directory(
    tmp_path: Path, run_cli: RunCli
) -> None:
    import os
    import subprocess

    if os.geteuid() != 0:
        pytest.skip("needs root to give the checkout to another user")
    other = tmp_path / "theirs"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(["chown", "-R", "65534:65534", str(other)], check=True)
    result = run_cli("scan", cwd=other)
    one_line_error(result, 2, "safe.directory", str(other))


@pytest.mark.parametrize(
    ("env", "fragment"),
    [({"GITHUB_REPOSITORY": "acme/api"}, "GITHUB_TOKEN is not set"),
     ({"GITHUB_TOKEN": "t0ken-1234"}, "GITHUB_REPOSITORY is not set")],
)  # fmt: skip
def test_github_needs_a_token_and_a_repository(
    repo: GitRepo, run_cli: RunCli, env: dict[str, str], fragment: str
) -> None:
    repo.commit("x")
    repo.git("remote", "add", "origin", "/srv/git/api.git")  # a local path names no GitHub repo
    one_line_error(run_cli("report", "--deploys", "github", cwd=repo, env=env), 2, fragment)
