"""Release commits (issue 35.2): the version bump a release tool commits is not work. It is not
counted, nor its author a person, nor its lead time; the report says how many shipped."""

from __future__ import annotations

import pytest

from deploycount.attribution import builtin_markers
from deploycount.config import ReleaseCommitsSection, release_subjects
from deploycount.history.reading import RELEASE_SUBJECT
from deploycount.identity import Person
from tests.conftest import GitRepo, RunCli, one_line_error

WINDOW = ("--since", "2026-10-01", "--until", "2026-11-01", "--format", "json")
DEV = "Dev One <dev1@example.com>"


@pytest.mark.parametrize(
    ("subject", "release"),
    [
        ("Version Packages", True),  # changesets
        ("Version Packages (beta)", True),
        ("chore(main): release 1.2.0", True),  # release-please
        ("chore(master): release api 2.0.0", True),
        ("chore: release 5.0.1", True),
        ("chore(release): 1.2.3 [skip ci]", True),  # semantic-release
        ("chore(release): publish", True),  # lerna
        ("Publish", True),
        ("Release v1.3.0", True),
        ("release: 2.0.0", True),
        ("Releasing version 1.4.0", True),
        ("Bump version: 1.2.3 → 1.2.4", True),  # bumpversion
        ("Bump version to 2.0.0", True),
        ("Prepare release 3.1", True),
        ("chore: release notes for 1.2", False),
        ("Bump lodash from 4.17.20 to 4.17.21", False),  # dependabot: a dependency, work
        ("fix: release the lock on error", False),
        ("feat: publish metrics to the gateway", False),
        ("docs: how to release", False),
    ],
)
def test_a_release_commit_is_known_by_its_subject(subject: str, release: bool) -> None:
    assert bool(RELEASE_SUBJECT.search(subject)) is release


def test_the_config_adds_subjects_or_counts_them_all() -> None:
    extra = release_subjects(ReleaseCommitsSection(subjects=["^ship it"]))
    assert extra is not None and extra.search("Ship it: 4.0") and extra.search("Version Packages")
    assert release_subjects(ReleaseCommitsSection(count=True)) is None


@pytest.mark.parametrize(
    ("name", "email", "human"),
    [
        ("Houston (Bot)", "houston@astro.build", False),  # no [bot] login, 97 commits counted
        ("Release Bot", "releases@example.com", False),
        ("renovate-bot", "renovate@example.com", False),
        ("CI", "ci-bot@example.com", False),
        ("github-actions", "action@github.com", False),
        ("Abbot Smith", "abbot@example.com", True),
        ("Robot Frameworker", "robot@example.com", True),
    ],
)
def test_bots_without_a_bot_login_are_not_people(name: str, email: str, human: bool) -> None:
    assert builtin_markers().is_human(Person(name, email)) is human


def test_release_commits_shipped_are_said_and_not_counted(repo: GitRepo, run_cli: RunCli) -> None:
    """A changesets repository: 73 % of a package's counted commits were Version Packages by
    the release bot, its human median lead time read 0.0 h."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z", author=DEV)
    repo.tag("v1.0.0", annotated_at="2026-09-01T11:00:00Z")
    repo.commit("feat: a", when="2026-10-02T10:00:00Z", author=DEV)
    bots = ("github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
            "Houston (Bot) <houston@astro.build>")  # fmt: skip
    repo.commit("Version Packages\n\nReleases:\n- a@1.1.0", when="2026-10-04T10:00:00Z",
                author=bots[0])  # fmt: skip
    repo.tag("v1.1.0", annotated_at="2026-10-04T10:05:00Z")
    repo.commit("fix: b", when="2026-10-06T10:00:00Z", author=DEV)
    repo.commit("Release v1.2.0", when="2026-10-08T10:00:00Z", author=bots[1])
    repo.tag("v1.2.0", annotated_at="2026-10-08T10:05:00Z")
    report = run_cli("report", *WINDOW, cwd=repo).json()
    totals = report["totals"]
    # feat: a (2 days to v1.1.0) and fix: b (2 days to v1.2.0) count; the two releases do not
    assert (totals["commits"], totals["people"], totals["deployments"]) == (2, 1, 2)
    assert totals["lead_time_hours"]["human"]["p50"] == 48.08
    assert any(
        w.startswith("2 release commit(s) shipped and not counted") for w in report["warnings"]
    )
    (repo.path / ".deploycount.toml").write_text("[release_commits]\ncount = true\n")
    counted = run_cli("report", *WINDOW, cwd=repo).json()
    # counted as work, but the bots are still nobody: one person
    assert (counted["totals"]["commits"], counted["totals"]["people"]) == (4, 1)


def test_the_configs_subjects_apply_to_every_commit(repo: GitRepo, run_cli: RunCli) -> None:
    """A subject of the config's own that holds none of the words the reader looks for first
    (version, release, publish, bump): it was left counted."""
    repo.commit("chore: start", when="2026-09-01T10:00:00Z", author=DEV)
    repo.tag("v1", annotated_at="2026-09-01T11:00:00Z")
    repo.commit("feat: a", when="2026-10-02T10:00:00Z", author=DEV)
    repo.commit("cut 1.2.4", when="2026-10-03T10:00:00Z", author=DEV)
    repo.tag("v2", annotated_at="2026-10-03T11:00:00Z")
    (repo.path / ".deploycount.toml").write_text('[release_commits]\nsubjects = ["^cut \\\\d"]\n')
    report = run_cli("report", *WINDOW, cwd=repo).json()
    # feat: a counts; cut 1.2.4 is the config's release commit
    assert report["totals"]["commits"] == 1
    assert any(w.startswith("1 release commit(s)") for w in report["warnings"])


def test_a_bad_release_subject_is_one_line(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x")
    (repo.path / ".deploycount.toml").write_text('[release_commits]\nsubjects = ["(unclosed"]\n')
    one_line_error(run_cli("report", cwd=repo), 2, "release_commits.subjects.0", "not a regular")
