"""Reverts as real histories make them (README "Linking commits to deploys"): a commit is reverted
when a revert known at report time undoes it, on the main line or shipped, whatever the window;
a revert that was re-applied no longer counts; one that lives only on an unmerged branch never
shipped and does not count; a squash of several reverts reverts each."""

from __future__ import annotations

from typing import Any

from tests.conftest import GitRepo, RunCli

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-15")


def _shipped(repo: GitRepo) -> tuple[str, str]:
    """Two commits, A by an agent and B by a person, shipped in the window by v1."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0")
    a = repo.commit("feat: a\n\nAssisted-by: claude", when="2026-10-02T10:00:00Z", file="a")
    b = repo.commit("feat: b", when="2026-10-03T10:00:00Z", file="b")
    repo.tag("v1", annotated_at="2026-10-04T10:00:00Z")
    return a, b


def _report(repo: GitRepo, run_cli: RunCli) -> dict[str, Any]:
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    totals: dict[str, Any] = done.json()["totals"]
    return totals


def test_a_squash_of_two_reverts_reverts_both(repo: GitRepo, run_cli: RunCli) -> None:
    a, b = _shipped(repo)
    repo.git("revert", "--no-commit", b, a)  # as a squash merge of two reverts writes it
    message = (
        f'Revert a and b (#12)\n\n* Revert "feat: b"\n\nThis reverts commit {b}.\n\n'
        f'* Revert "feat: a"\n\nThis reverts commit {a}.\n'
    )
    repo.commit(message, when="2026-10-05T12:00:00Z")
    repo.tag("v2", annotated_at="2026-10-06T10:00:00Z")
    totals = _report(repo, run_cli)
    # before: only the first named commit was reverted, B was credited as shipped work
    assert totals["reverted_commits"] == {"ai": 1, "human": 1}
    assert totals["commits"] == 0


def test_a_revert_on_the_main_line_after_the_window_counts(repo: GitRepo, run_cli: RunCli) -> None:
    a, _ = _shipped(repo)
    repo.revert(a, when="2026-10-20T10:00:00Z")  # after the window, not deployed yet
    totals = _report(repo, run_cli)
    assert totals["reverted_commits"] == {"ai": 1, "human": 0}
    assert (totals["commits"], totals["ai_commits"]) == (1, 0)


def test_a_revert_re_applied_on_the_main_line_no_longer_counts(
    repo: GitRepo, run_cli: RunCli
) -> None:
    a, _ = _shipped(repo)
    revert = repo.revert(a, when="2026-10-20T10:00:00Z")
    repo.revert(revert, when="2026-10-21T10:00:00Z")  # the re-apply
    totals = _report(repo, run_cli)
    assert totals["reverted_commits"] == {"ai": 0, "human": 0}
    assert (totals["commits"], totals["ai_commits"]) == (2, 1)


def test_a_revert_only_on_an_unmerged_branch_does_not_count(repo: GitRepo, run_cli: RunCli) -> None:
    a, _ = _shipped(repo)
    repo.git("checkout", "-q", "-b", "try-revert")
    repo.revert(a, when="2026-10-20T10:00:00Z")
    repo.git("checkout", "-q", "main")
    assert _report(repo, run_cli)["reverted_commits"] == {"ai": 0, "human": 0}
    # ... wherever the work tree is: on that branch, main is still the main line
    repo.git("checkout", "-q", "try-revert")
    assert _report(repo, run_cli)["reverted_commits"] == {"ai": 0, "human": 0}


def test_the_remotes_default_branch_is_the_main_line(
    repo: GitRepo, run_cli: RunCli, tmp_path: Any
) -> None:
    """A clone on a feature branch that predates the revert still sees it on origin/HEAD."""
    from tests.conftest import clone

    a, _ = _shipped(repo)
    repo.revert(a, when="2026-10-20T10:00:00Z")
    local = clone(repo.path, tmp_path / "clone")
    local.git("checkout", "-q", "-b", "feature", "v1")
    assert local.git("symbolic-ref", "refs/remotes/origin/HEAD") == "refs/remotes/origin/main"
    assert _report(local, run_cli)["reverted_commits"] == {"ai": 1, "human": 0}
