"""Fixtures: real git repositories with fixed identities and dates, and a CLI runner with a clean
environment, so a CI's own GITHUB_* variables or git config never leak into a test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import CliRunner, Result

from deploycount.cli import cli
from deploycount.masking import forget_secrets

DEV = "Dev One <dev1@example.com>"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `linux_only` skip on macOS and Windows (the project's CI runs them there
    too); on Linux they run, and under CI a missing server fails them."""
    if sys.platform.startswith("linux"):
        return
    skip = pytest.mark.skip(reason="needs Linux: its servers, /proc or the sanitizer runtimes")
    for item in items:
        if item.get_closest_marker("linux_only"):
            item.add_marker(skip)


def git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
    }


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test runs with only PATH, a private HOME and no system or global git config."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("")
    for key in list(os.environ):
        if key.startswith(("GITHUB_", "GIT_", "DEPLOYCOUNT_", "CLAUDECODE", "RUNNER_")):
            monkeypatch.delenv(key, raising=False)
    for key, value in git_env(home).items():
        monkeypatch.setenv(key, value)
    # Secrets registered by one test's in-process CLI run must not mask another test's output.
    forget_secrets()


def split_ident(ident: str) -> tuple[str, str]:
    name, _, email = ident.rpartition(" <")
    return name, email.rstrip(">")


def at(when: str) -> str:
    """`2026-10-01T10:00:00Z` -> git's raw date format."""
    moment = datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(UTC)
    return f"{int(moment.timestamp())} +0000"


@dataclass
class GitRepo:
    """A throwaway repository; every commit gets fixed author/committer dates."""

    path: Path

    def git(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.path,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            input=input,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout.strip()

    def commit(
        self,
        message: str,
        *,
        author: str = DEV,
        committer: str | None = None,
        when: str = "2026-10-01T10:00:00Z",
        file: str | None = None,
        empty: bool = False,
    ) -> str:
        if not empty:
            target = self.path / (file or "work.txt")
            with target.open("a") as handle:
                handle.write(f"{message[:40]!r} {when}\n")
            self.git("add", "-A")
        author_name, author_email = split_ident(author)
        committer_name, committer_email = split_ident(committer or author)
        env = {
            "GIT_AUTHOR_NAME": author_name,
            "GIT_AUTHOR_EMAIL": author_email,
            "GIT_AUTHOR_DATE": at(when),
            "GIT_COMMITTER_NAME": committer_name,
            "GIT_COMMITTER_EMAIL": committer_email,
            "GIT_COMMITTER_DATE": at(when),
        }
        args = ["-c", "commit.cleanup=verbatim", "commit", "-q", "--no-verify", "-F", "-"]
        if empty:
            args.insert(4, "--allow-empty")
        self.git(*args, env=env, input=message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def tag(self, name: str, ref: str = "HEAD", *, annotated_at: str | None = None) -> None:
        if annotated_at is None:
            self.git("tag", name, ref)
            return
        env = {"GIT_COMMITTER_DATE": at(annotated_at)}
        self.git("tag", "-a", name, "-m", f"release {name}", ref, env=env)

    def merge(self, branch: str, *, when: str, message: str | None = None) -> str:
        env = {"GIT_AUTHOR_DATE": at(when), "GIT_COMMITTER_DATE": at(when)}
        self.git("merge", "-q", "--no-ff", "-m", message or f"Merge {branch}", branch, env=env)
        return self.head()

    def revert(self, sha: str, *, when: str) -> str:
        env = {"GIT_AUTHOR_DATE": at(when), "GIT_COMMITTER_DATE": at(when)}
        self.git("revert", "--no-edit", sha, env=env)
        return self.head()


def make_repo(path: Path) -> GitRepo:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    repo = GitRepo(path)
    repo.git("config", "user.name", "Dev One")
    repo.git("config", "user.email", "dev1@example.com")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return make_repo(tmp_path / "repo")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class RunCli(Protocol):
    """The `run_cli` fixture: `deploycount ARGS` in-process in `cwd`, stdout and stderr apart."""

    def __call__(
        self, *args: str, cwd: Path | GitRepo, env: dict[str, str] | None = None
    ) -> CliResult: ...


@pytest.fixture
def run_cli() -> RunCli:
    """Run `deploycount ARGS` in-process in a directory, stdout and stderr kept apart."""

    def run(*args: str, cwd: Path | GitRepo, env: dict[str, str] | None = None) -> CliResult:
        directory = cwd.path if isinstance(cwd, GitRepo) else cwd
        runner = CliRunner()
        result: Result = runner.invoke(
            cli, ["-C", str(directory), *args], env=env, catch_exceptions=False
        )
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


def ledger_lines(repo: GitRepo) -> list[dict[str, Any]]:
    """Every event line in the ledger, read with plain git (not with deploycount)."""
    listing = repo.git("notes", "--ref=deploycount", "list").split()
    lines = []
    for commit in listing[1::2]:
        text = repo.git("notes", "--ref=deploycount", "show", commit)
        lines += [json.loads(line) for line in text.splitlines() if line.strip()]
    return lines


def clone(origin: Path, path: Path) -> GitRepo:
    subprocess.run(["git", "clone", "-q", str(origin), str(path)], check=True)
    repo = GitRepo(path)
    repo.git("config", "user.name", "Deployer")
    repo.git("config", "user.email", "deployer@example.com")
    return repo


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare origin with a short history on main."""
    seed = make_repo(tmp_path / "seed")
    for day in range(2, 8):
        seed.commit(f"change {day}", when=f"2026-10-{day:02d}T10:00:00Z")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed.path), str(bare)], check=True)
    return bare


def one_line_error(result: Any, code: int, *fragments: str) -> str:
    """The one way a test checks a refused input or a failed remote: exit `code`, one line on
    stderr (`deploycount: error: ...` holding every fragment), no traceback, nothing half-written
    on stdout. Returns the line."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("deploycount: error: "), lines[0]
    assert "a bug" not in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == "", result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]
