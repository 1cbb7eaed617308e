"""Reverts the way GitHub makes them (issue 35.6) and squashes that mention reverts of their own
branch commits (issue 35.9). Figures by hand in the comments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import GitRepo, RunCli, clone

WINDOW = ("--since", "2026-10-01", "--until", "2026-11-01", "--format", "json")
AI = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"


def _report(repo: GitRepo, run_cli: RunCli) -> dict[str, Any]:
    done = run_cli("report", *WINDOW, cwd=repo)
    assert done.exit_code == 0, done.stderr
    report: dict[str, Any] = done.json()
    return report


def test_github_s_revert_button_reverts_the_squash_of_the_pull_request(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """`Revert "feat: x (#12)" (#13)` with the body `Reverts acme/api#12` names no commit:
    the squash of #12 was credited as shipped work."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.commit("feat: keep (#11)", when="2026-10-02T10:00:00Z")
    repo.commit(f"feat: x (#12){AI}", when="2026-10-03T10:00:00Z")
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:00:00Z")
    repo.commit('Revert "feat: x (#12)" (#13)\n\nReverts acme/api#12\n',
                when="2026-10-05T10:00:00Z")  # fmt: skip
    repo.tag("v1.2.0", annotated_at="2026-10-06T10:00:00Z")
    totals = _report(repo, run_cli)["totals"]
    # feat: keep counts; feat: x is reverted (AI); the revert itself is not work
    assert (totals["commits"], totals["ai_commits"]) == (1, 0)
    assert totals["reverted_commits"] == {"ai": 1, "human": 0}


def test_a_reverted_merge_commit_keeps_the_scope_of_other_reverts(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """A pull request merged by a merge commit: the revert marks the merge, which is not counted
    anyway, as `git revert -m 1` of it does (docs: How it works, reverts of merges)."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit(f"feat: y{AI}", when="2026-10-02T10:00:00Z")
    repo.git("checkout", "-q", "-")
    repo.merge("topic", when="2026-10-03T10:00:00Z", message="Merge pull request #14 from dev/y")
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:00:00Z")
    repo.commit('Revert "Merge pull request #14 from dev/y" (#15)\n\nReverts acme/api#14\n',
                when="2026-10-05T10:00:00Z")  # fmt: skip
    repo.tag("v1.2.0", annotated_at="2026-10-06T10:00:00Z")
    totals = _report(repo, run_cli)["totals"]
    assert (totals["commits"], totals["ai_commits"]) == (1, 1)
    assert totals["reverted_commits"] == {"ai": 0, "human": 0}


def test_a_squash_listing_a_revert_of_its_own_branch_commit_is_work(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """The squash's body holds `This reverts commit <sha>` of a commit that lived only on the
    branch: the whole squash was treated as a revert and dropped (1 commit and 0 AI-assisted
    where 2 and 1 are right)."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.commit("fix: a (#20)", when="2026-10-02T10:00:00Z")
    branch_only = "3f" * 20
    repo.commit(
        f'feat: z (#21)\n\n* feat: z\n\n* Revert "wip"\n\nThis reverts commit {branch_only}.{AI}',
        when="2026-10-03T10:00:00Z",
    )
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:00:00Z")
    totals = _report(repo, run_cli)["totals"]
    assert (totals["commits"], totals["ai_commits"]) == (2, 1)
    # a real revert of a commit shipped before the window is still a revert, not work
    shipped = repo.git("rev-parse", "v1.0.0")
    repo.commit(f"fix: undo start\n\nThis reverts commit {shipped}.", when="2026-10-05T10:00:00Z")
    repo.tag("v1.2.0", annotated_at="2026-10-06T10:00:00Z")
    assert _report(repo, run_cli)["totals"]["commits"] == 2


def test_an_origin_head_naming_a_branch_gone_is_passed_over(
    origin: Path, tmp_path: Path, run_cli: RunCli
) -> None:
    """Upstream renamed master to main, then `fetch --prune`: origin/HEAD still named master,
    the main line was taken as missing, and a revert on it was missed (2 commits and 1
    AI-assisted where 1 and 0 are right); comment --dry-run failed with a bad revision."""
    repo = clone(origin, tmp_path / "clone")
    repo.git("tag", "v1.0.0", "HEAD")
    ai = repo.commit(f"feat: x{AI}", when="2026-10-08T10:00:00Z", file="x.txt")
    repo.commit("feat: y", when="2026-10-08T11:00:00Z", file="y.txt")
    repo.tag("v1.1.0", annotated_at="2026-10-09T10:00:00Z")
    repo.revert(ai, when="2026-10-10T10:00:00Z")  # on the main line, not deployed yet
    repo.git("push", "-q", "origin", "HEAD:refs/heads/main")
    repo.git("fetch", "-q", "origin")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/gone")
    repo.git("branch", "-q", "-m", "main")
    totals = _report(repo, run_cli)["totals"]
    assert (totals["commits"], totals["ai_commits"]) == (1, 0)
    dry = run_cli("comment", "--dry-run", "--pr", "3", *WINDOW[:4], cwd=repo)
    assert dry.exit_code == 0 and "bad revision" not in dry.stderr, dry.stderr


def test_a_subject_holding_a_line_separator_names_no_pull_request(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """`git log --format='%H %s'` was read back split at U+2028 too. `chore: y (#12) U+2028
    more`, found by git for its body's `Merge pull request #12 from` line, then read as a
    subject ending `(#12)`: the newest such, it was taken for #12's squash, and GitHub's revert
    of #12 reverted it instead of `feat: x (#12)`."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.commit(f"feat: x (#12){AI}", when="2026-10-02T10:00:00Z")
    repo.commit("chore: y (#12)\u2028more\n\nMerge pull request #12 from dev/y\n",
                when="2026-10-03T10:00:00Z")  # fmt: skip
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:00:00Z")
    repo.commit('Revert "feat: x (#12)" (#13)\n\nReverts acme/api#12\n',
                when="2026-10-05T10:00:00Z")  # fmt: skip
    repo.tag("v1.2.0", annotated_at="2026-10-06T10:00:00Z")
    totals = _report(repo, run_cli)["totals"]
    # chore: y counts; feat: x is reverted (AI); the revert itself is not work
    assert (totals["commits"], totals["ai_commits"]) == (1, 0)
    assert totals["reverted_commits"] == {"ai": 1, "human": 0}
