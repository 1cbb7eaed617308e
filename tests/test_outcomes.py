"""Did it hold up (issue 38): failures and recovery time, rework, incidents, and AI-assisted
beside human with n and intervals. Each history is built like a real one and every figure is
worked out by hand in the comments."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploycount.deploys.base import DeployEvent
from deploycount.history.linking import DeployKind, LinkedDeploy
from deploycount.model import DeploymentRow, FailureRow
from deploycount.options import Rules
from deploycount.outcomes import (
    Incident,
    StreamOutcomes,
    incident_failures,
    median_interval,
    summarise,
    wilson,
)
from tests.conftest import GitRepo, RunCli, one_line_error

T0 = datetime(2026, 10, 1, tzinfo=UTC)
END = T0 + timedelta(days=28)


def event(ident: str, hours: float, *, sha: str = "", status: str = "success",
          service: str = "") -> DeployEvent:  # fmt: skip
    return DeployEvent(ident, sha or ident.ljust(40, "0"), "production",
                       T0 + timedelta(hours=hours), status, service)  # type: ignore[arg-type]  # fmt: skip


def linked(*pairs: tuple[DeployEvent, DeployKind]) -> list[LinkedDeploy]:
    return [LinkedDeploy(e, kind, (1,) if kind == "ship" else ()) for e, kind in pairs]


def run(deploys: list[LinkedDeploy], *, ai: dict[int, bool] | None = None,
        incidents: tuple[Incident, ...] = (), reverts: tuple[int, ...] = (),
        before: tuple[DeployEvent, ...] = (), until: datetime = END,
        first: int = 0) -> tuple[dict[int, str], dict[int, FailureRow]]:  # fmt: skip
    """The outcomes of the deploys numbered `first` on, as a period ending at `until` sees
    them."""
    reading = StreamOutcomes(before, deploys, ai=ai or {}, incidents=incidents,
                             reverts_recent=set(reverts), rules=Rules())  # fmt: skip
    stop = sum(1 for d in deploys if d.event.time < until)
    return reading.period(first, stop, T0, until)


def test_a_failure_fixed_by_the_next_deploy_and_a_hotfix_two_hours_later() -> None:
    # v1 ships at 0 h; the deploy of v2 fails at 24 h; v2b ships 2 h later: recovered in 2 h,
    # and v2b is rework (within 24 h of a failed deploy).
    rework, failures = run(
        linked((event("v1", 0), "ship"), (event("v2", 24, status="failure"), "failed"),
               (event("v2b", 26), "ship")),
        ai={0: False, 2: True},
    )  # fmt: skip
    assert rework == {2: "within 24 h of a failed deploy, rollback or incident"}
    [(number, failure)] = failures.items()
    assert (number, failure.source, failure.hours, failure.deploy) == (
        1,
        "failed deploy",
        2.0,
        "v2",
    )
    assert failure.ai is None  # the failed commit never shipped: its side is unknown


def test_a_rollback_then_a_forward_fix() -> None:
    # v1 (human) at 0 h, v2 (AI-assisted) at 48 h, rolled back to v1's commit at 51 h: v2 failed
    # and production was good again after 3 h. v3 at 53 h is the forward fix: rework.
    v1 = event("v1", 0)
    rework, failures = run(
        linked((v1, "ship"), (event("v2", 48), "ship"),
               (event("back", 51, sha=v1.sha), "rollback"), (event("v3", 53), "ship")),
        ai={0: False, 1: True, 3: False},
    )  # fmt: skip
    assert rework == {
        2: "a rollback to an earlier version",
        3: "within 24 h of a failed deploy, rollback or incident",
    }
    [(number, failure)] = failures.items()
    assert (number, failure.source, failure.deploy, failure.hours, failure.ai) == (
        2, "rollback", "v2", 3.0, True,
    )  # fmt: skip


def test_two_failures_before_one_recovery() -> None:
    # two failed deploys at 10 h and 11 h, then v2 at 13 h: each failed deploy recovered at 13 h
    # (3 h and 2 h); a deploy rolled back is no recovery: v3 at 20 h is undone at 21 h, so the
    # failure at 19 h recovers only with the rollback (2 h), not with v3.
    rework, failures = run(
        linked((event("v1", 0), "ship"), (event("f1", 10, status="failure"), "failed"),
               (event("f2", 11, status="failure"), "failed"), (event("v2", 13), "ship"),
               (event("f3", 19, status="failure"), "failed"), (event("v3", 20), "ship"),
               (event("back", 21, sha="v2".ljust(40, "0")), "rollback")),
    )  # fmt: skip
    assert {n: f.hours for n, f in failures.items()} == {1: 3.0, 2: 2.0, 4: 2.0, 6: 1.0}
    assert failures[6].source == "rollback" and failures[6].deploy == "v3"
    assert set(rework) == {3, 5, 6}


def test_a_failure_with_no_recovery_is_open_and_a_later_period_does_not_reopen_it() -> None:
    _, failures = run(linked((event("v1", 0), "ship"), (event("f", 5, status="failure"), "failed")))
    assert failures[1].recovered is None and failures[1].hours is None
    # recovered after a period's end: open in that period
    deploys = linked((event("f", 5, status="failure"), "failed"), (event("v", 200), "ship"))
    assert run(deploys)[1][0].hours == 195.0
    assert run(deploys, until=T0 + timedelta(hours=100))[1][0].hours is None


def test_a_period_judges_with_what_is_known_at_its_end() -> None:
    """A deploy that a later period rolls back was good as far as the earlier period knew,
    and the side of a retry after the period is unknown to it: the same as the earlier
    period's own report, where neither later event is read."""
    deploys = linked((event("f", 5, status="failure", sha="a" * 40), "failed"),
                     (event("v", 8, sha="a" * 40), "ship"), (event("w", 30), "ship"),
                     (event("back", 40, sha="a" * 40), "rollback"))  # fmt: skip
    ai = {1: True, 2: False}
    whole = run(deploys, ai=ai)[1]
    early = run(deploys, ai=ai, until=T0 + timedelta(hours=20))[1]
    # over everything: v recovered f (3 h; v is not undone: the rollback undoes w) and its
    # side is the retry's; the rollback is w's failure, 10 h
    assert {n: (f.hours, f.ai) for n, f in whole.items()} == {0: (3.0, True), 3: (10.0, False)}
    assert {n: (f.hours, f.ai) for n, f in early.items()} == {0: (3.0, True)}
    # a retry after the period's end: its side is not known to the period
    late = linked((event("f", 5, status="failure", sha="b" * 40), "failed"),
                  (event("v", 30, sha="b" * 40), "ship"))  # fmt: skip
    assert run(late, ai={1: True}, until=T0 + timedelta(hours=20))[1][0].ai is None


def test_a_revert_of_recent_work_and_an_open_incident_make_rework() -> None:
    incident = Incident("INC-1", T0 + timedelta(hours=30), T0 + timedelta(hours=40))
    rework, _ = run(
        linked((event("v1", 0), "ship"), (event("v2", 10), "ship"), (event("v3", 35), "ship"),
               (event("v4", 50), "ship")),
        incidents=(incident,), reverts=(1,),
    )  # fmt: skip
    # v4 (50 h) is 20 h after the incident began: a hotfix too
    assert rework == {
        1: "reverts or fixes a commit shipped up to 7 days before",
        2: "during incident INC-1",
        3: "within 24 h of a failed deploy, rollback or incident",
    }


def test_incidents_link_to_the_deploy_they_name_and_one_with_none_is_a_failure_of_no_change() -> (
    None
):
    v1, v2 = event("v1", 0), event("v2", 48)
    deploys = [(v1, False), (v2, True)]
    named = Incident("INC-1", T0 + timedelta(hours=50), T0 + timedelta(hours=54), deploy="v2")
    by_sha = Incident("INC-2", T0 + timedelta(hours=60), None, deploy=v1.sha[:7])
    none = Incident("INC-3", T0 + timedelta(hours=70), T0 + timedelta(hours=74))
    spanning = Incident("INC-4", END - timedelta(hours=1), END + timedelta(hours=5))
    before = Incident("INC-0", T0 - timedelta(hours=5), T0 + timedelta(hours=1))

    def cause(incident: Incident) -> tuple[DeployEvent, bool | None] | None:
        # the pipeline's: by id, or the deploy that first shipped the named commit
        found = [pair for pair in deploys if incident.deploy in (pair[0].id, pair[0].sha[:7])]
        return found[0] if found else None

    failures, unlinked = incident_failures([named, by_sha, none, spanning, before], cause,
                                           T0, END)  # fmt: skip
    got = {f.id: (f.deploy, f.hours, f.ai) for f in failures}
    assert got == {
        "INC-1": ("v2", 4.0, True),
        "INC-2": ("v1", None, False),  # still open
        "INC-3": (None, 4.0, None),  # no change named: in recovery time, in no split
        "INC-4": (None, None, None),  # resolved after the window's end: open in it
    }  # INC-0 began before the window: an earlier report counts it
    assert unlinked == []
    ghost = Incident("INC-5", T0 + timedelta(hours=80), None, deploy="deadbeef")
    assert incident_failures([ghost], cause, T0, END)[1] == [
        "incident INC-5 names deadbeef, which no deploy of the report shipped before it began: "
        "counted as a failure of no change"
    ]


def test_a_service_scoped_failure_leaves_the_other_service_alone() -> None:
    # api's deploy fails and api recovers 1 h later; web deploys in between are no rework, and
    # an incident of api is open only for api.
    incident = Incident("INC-9", T0 + timedelta(hours=2), T0 + timedelta(hours=8), service="api")
    api = linked((event("api-1", 0, service="api"), "ship"),
                 (event("api-2", 3, service="api", status="failure"), "failed"),
                 (event("api-3", 4, service="api"), "ship"))  # fmt: skip
    web = linked((event("web-1", 3.5, service="web"), "ship"))
    api_rework, api_failures = run(api, incidents=(incident,))
    web_rework, web_failures = run(web, incidents=())  # the pipeline passes only its incidents
    assert api_rework == {2: "during incident INC-9"}  # api-3 at 4 h, INC-9 open 2 h to 8 h
    assert [f.hours for f in api_failures.values()] == [1.0]
    assert (web_rework, web_failures) == ({}, {})


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (1, 8, 0.0224, 0.4709), (10, 10, 0.7225, 1.0)],
)
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    got = wilson(k, n)
    assert got is not None and (round(got[0], 4), round(got[1], 4)) == (low, high)


def test_median_interval_from_order_statistics() -> None:
    # n = 10: P(2 <= B <= 8) = 1 - 2 * (1 + 10 + 45) / 1024 = 0.979 >= 0.95, the next pair in
    # reaches only 0.891: the 2nd and 9th values. Five values cannot give 95 % (1 - 2/32).
    assert median_interval([float(v) for v in range(1, 11)]) == (2.0, 9.0)
    assert median_interval([1.0, 2.0, 3.0, 4.0, 5.0]) is None
    assert median_interval([float(v) for v in range(6)]) == (0.0, 5.0)


def row(ident: str, kind: str, ai: int, *, rework: str | None = None) -> DeploymentRow:
    return DeploymentRow(id=ident, sha="0" * 40, time="2026-10-02T00:00:00Z", kind=kind,  # type: ignore[arg-type]
                         commits=max(ai, 1), ai_commits=ai, repository="acme/api",
                         ai_work=ai > 0, rework=rework)  # fmt: skip


def test_few_cases_are_too_few_to_compare_and_many_give_intervals() -> None:
    # 8 AI-assisted deploys with 1 rolled back (12 %) against 8 human with 0: n = 8 is under
    # the minimum of 10, so no figure is given for either side.
    rows = [row(f"a{i}", "ship", 1) for i in range(8)] + [row(f"h{i}", "ship", 0) for i in range(8)]
    rolled = FailureRow(source="rollback", id="back", deploy="a0", repository="acme/api",
                        started="2026-10-02T00:00:00Z", recovered="2026-10-02T01:00:00Z",
                        hours=1.0, ai=True)  # fmt: skip
    few = summarise(rows, [rolled], reverted=(0, 0), commits=(8, 8), min_n=10)
    assert few.change_fail.verdict == "too few to compare"
    assert few.change_fail.ai.n == 8 and few.change_fail.ai.k == 1  # type: ignore[union-attr]
    assert few.change_fail.ai.rate is None  # type: ignore[union-attr]
    # 40 and 40: 10 % against 2.5 %, intervals (0.040, 0.231) and (0.004, 0.129) overlap
    rows = [row(f"a{i}", "ship", 1, rework="x" if i < 4 else None) for i in range(40)]
    rows += [row(f"h{i}", "ship", 0, rework="x" if i < 1 else None) for i in range(40)]
    many = summarise(rows, [], reverted=(30, 2), commits=(100, 100), min_n=10)
    assert (many.rework.rework, many.rework.deployments, many.rework.rate) == (5, 80, 0.0625)
    ai, human = many.rework_split.ai, many.rework_split.human
    assert (ai.rate, ai.low, ai.high) == (0.1, 0.0396, 0.2305)  # type: ignore[union-attr]
    assert (human.rate, human.low, human.high) == (0.025, 0.0044, 0.1288)  # type: ignore[union-attr]
    assert many.rework_split.verdict == "no clear difference"
    # reverts: 30 of 100 against 2 of 100 is a difference the intervals show
    assert many.revert.verdict == "AI-assisted higher"


# -- the whole pipeline on a real repository --------------------------------------------------


def _events(path: Path, repo: GitRepo, rows: list[tuple[str, str, str, str]]) -> str:
    path.write_text("".join(
        json.dumps({"id": ident, "sha": sha, "time": when, "status": status}) + "\n"
        for ident, sha, when, status in rows
    ))  # fmt: skip
    return f"file:{path}"


def _history(repo: GitRepo, tmp_path: Path) -> tuple[str, Path]:
    """c1 shipped by d1 (the baseline); c2 (AI-assisted) by d2 on 2 October; c3 reverts c2 and
    its deploy d3 fails on the 5th, three days later; d4 ships it two hours after. INC-7 runs
    from an hour after d2 to noon the next day and names d2."""
    c1 = repo.commit("feat: one", when="2026-10-01T09:00:00Z")
    c2 = repo.commit("feat: two\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
                     when="2026-10-02T09:00:00Z")  # fmt: skip
    c3 = repo.revert(c2, when="2026-10-05T09:00:00Z")
    deploys = _events(tmp_path / "deploys.jsonl", repo, [
        ("d1", c1, "2026-10-01T10:00:00Z", "success"),
        ("d2", c2, "2026-10-02T10:00:00Z", "success"),
        ("d3", c3, "2026-10-05T10:00:00Z", "failure"),
        ("d4", c3, "2026-10-05T12:00:00Z", "success"),
    ])  # fmt: skip
    incidents = tmp_path / "incidents.json"
    incidents.write_text(json.dumps([
        {"id": "INC-7", "started": "2026-10-02T11:00:00Z", "resolved": "2026-10-03T12:00:00Z",
         "deploy": "d2"},
    ]))  # fmt: skip
    return deploys, incidents


def test_report_outcomes_from_deploys_and_an_incidents_file(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    deploys, incidents = _history(repo, tmp_path)
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--deploys",
                   deploys, "--incidents", str(incidents), "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    report = made.json()
    # d4 ships the revert of c2, which d2 shipped three days before: rework (the revert rule
    # comes before "2 h after a failed deploy"); d1 and d2 are planned work.
    assert [(d["id"], d["rework"]) for d in report["deployments"]] == [
        ("d1", None), ("d2", None), ("d3", None),
        ("d4", "reverts or fixes a commit shipped up to 7 days before"),
    ]  # fmt: skip
    # the failures: d3 failed (recovered by d4 after 2 h) and INC-7 (25 h, caused by d2)
    failures = {
        f["id"]: (f["source"], f["deploy"], f["hours"], f["ai"]) for f in report["failures"]
    }
    assert failures == {
        "d3": ("failed deploy", "d3", 2.0, None),
        "INC-7": ("incident", "d2", 25.0, True),
    }
    outcomes = report["outcomes"]
    assert (outcomes["failures"], outcomes["open"]) == (2, 0)
    assert outcomes["recovery_hours"] == {"n": 2, "p50": 13.5, "p90": 22.7}
    # d1 is the first deploy the events know of: a baseline, neither planned work nor rework
    assert outcomes["rework"] == {"deployments": 2, "rework": 1, "rate": 0.5}
    # d2 carried AI-assisted work (reverted later, so it counts no commit) and failed through
    # INC-7; d4 shipped only the revert, which is no work of either side: 1 of 1 against none
    assert [d["ai_work"] for d in report["deployments"]] == [None, True, None, None]
    cf = outcomes["change_fail"]
    assert (cf["ai"]["k"], cf["ai"]["n"], cf["human"]["k"], cf["human"]["n"]) == (1, 1, 0, 0)
    assert cf["verdict"] == "too few to compare"


def test_the_change_failure_rate_counts_a_deploy_an_incident_names(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """d3 failed, and INC-7 names d2: two of the three attempts (d2, d4 and the failed d3)
    failed as changes. The summary said 1 of 1 (failed deploys + rollbacks over deploys that
    ship counted commits + failed deploys) beside an outcomes line that counted INC-7's deploy
    among the changes that failed. Split at the 3rd, the two windows add up."""
    deploys, incidents = _history(repo, tmp_path)

    def made(since: str, until: str, form: str) -> str:
        done = run_cli("report", "--since", since, "--until", until, "--deploys", deploys,
                       "--incidents", str(incidents), "--format", form, cwd=repo)  # fmt: skip
        assert done.exit_code == 0, done.stderr
        return done.stdout

    whole = json.loads(made("2026-10-01", "2026-10-08", "json"))
    # no deploy ships a counted commit (c2 is reverted, d4 ships only the revert): the old
    # formula's denominator was 0 + 1 failed deploy
    totals = whole["totals"]
    assert (totals["deployments"], totals["failed_deployments"], totals["rollbacks"]) == (0, 1, 0)
    assert whole["outcomes"]["change_failure"] == {"attempts": 3, "failed": 2, "rate": 0.6667}
    assert "change-failure rate **67%** (2 of 3 deploys)" in made(
        "2026-10-01", "2026-10-08", "markdown"
    )
    halves = [json.loads(made(*span, "json"))["outcomes"]["change_failure"]
              for span in (("2026-10-01", "2026-10-03"), ("2026-10-03", "2026-10-08"))]  # fmt: skip
    assert [(h["attempts"], h["failed"]) for h in halves] == [(1, 1), (2, 1)]


def test_the_outcomes_keys_of_the_config(repo: GitRepo, run_cli: RunCli, tmp_path: Path) -> None:
    """`rework_days = 2`: the revert three days on is planned work; `rework_hours = 1`: d4,
    two hours after d3 failed, is no hotfix either; `min_n = 2`: still too few (n 1 / 0)."""
    deploys, incidents = _history(repo, tmp_path)
    config = tmp_path / "deploycount.toml"
    config.write_text(
        f'[outcomes]\nincidents = "{incidents.name}"\nrework_days = 2\nrework_hours = 1\n'
        "min_n = 2\n"
    )  # the incidents file is found beside the config
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--deploys",
                   deploys, "--config", str(config), "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    report = made.json()
    assert [d["rework"] for d in report["deployments"]] == [None, None, None, None]
    assert report["outcomes"]["min_n"] == 2 and len(report["failures"]) == 2
    config.write_text("[outcomes]\nmin_n = 1\n")
    refused = run_cli("report", "--config", str(config), cwd=repo)
    one_line_error(refused, 2, "outcomes.min_n: must be at least 2")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            '{"id": "I", "started": "2026-10-02T00:00:00Z", "resolved": "2026-10-01T00:00:00Z"}',
            "incidents.jsonl:1: resolved: is before started",
        ),
        (
            '{"id": "I", "started": "2999-01-01T00:00:00Z"}',
            "started: 2999-01-01T00:00:00Z is in the future",
        ),
        ('{"id": "I", "started": "yesterday"}', "started: 'yesterday' is not an ISO 8601 time"),
        ('{"id": "I", "started": "2026-10-02T00:00:00"}', "is not an ISO 8601 time with its zone"),
        ('{"id": "I", "started": "2026-10-02T00:00:00Z", "sha": "zz"}', "sha: must be 7 to 64"),
        ('{"started": "2026-10-02T00:00:00Z"}', "id: must be a string, not nothing"),
        ("[1]", "incident: must be a JSON object"),
        ("{", "not valid JSON"),
        # the line of the file, not of the record, and counted from the file's first line
        (
            '{"id": "I", "started": "2026-10-02T00:00:00Z"}\n\n{broken\n',
            "incidents.jsonl:3: not valid JSON: Expecting property name",
        ),
        (
            '\n\n{"id": "I", "started": "2026-10-02T00:00:00Z"}\n{"id": "J", "started": "no"}\n',
            "incidents.jsonl:4: started: 'no' is not",
        ),
        (
            '{"id": "I", "started": "2026-10-02T00:00:00Z"}\n{"id": "I", "started": "2026-10-03T00:00:00Z"}',
            "incident 'I' is given twice, differently",
        ),
    ],
)
def test_a_bad_incidents_file_is_one_line_and_exit_2(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path, content: str, fragment: str
) -> None:
    repo.commit("feat: one", when="2026-10-01T09:00:00Z")
    repo.tag("v1")
    path = tmp_path / "incidents.jsonl"
    path.write_text(content)
    result = run_cli("report", "--incidents", str(path), cwd=repo)
    one_line_error(result, 2, fragment)


def test_an_incidents_file_that_is_not_a_file_is_refused(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    repo.commit("feat: one", when="2026-10-01T09:00:00Z")
    one_line_error(run_cli("report", "--incidents", "/dev/zero", cwd=repo), 2, "not a regular file")
    one_line_error(run_cli("report", "--incidents", str(tmp_path / "none"), cwd=repo), 2,
                   "no such file")  # fmt: skip


def test_partials_carry_failures_and_a_merge_recomputes_the_figures_from_them(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """Two repositories, each with one rollback; merged, the failures add up (2, recovered in
    3 h and 5 h: median 4 h) and the rework count is 2 of the 6 successful deploys, recomputed
    from the merged rows, never averaged."""
    from tests.conftest import make_repo

    key = {"DEPLOYCOUNT_PEOPLE_KEY": "correct horse battery staple, 2026"}
    parts = []
    for name, back_after in (("api", 3), ("web", 5)):
        repo = make_repo(tmp_path / name)
        c1 = repo.commit("feat: one", when="2026-10-01T09:00:00Z")
        c2 = repo.commit("feat: two", when="2026-10-02T09:00:00Z")
        c3 = repo.commit("feat: three", when="2026-10-04T09:00:00Z")
        deploys = _events(tmp_path / f"{name}.jsonl", repo, [
            ("d0", c1, "2026-10-01T10:00:00Z", "success"),  # the baseline
            ("d1", c2, "2026-10-02T10:00:00Z", "success"),
            ("back", c1, f"2026-10-02T{10 + back_after:02d}:00:00Z", "success"),  # rollback
            ("d2", c3, "2026-10-05T10:00:00Z", "success"),
        ])  # fmt: skip
        made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--deploys",
                       deploys, "--format", "partial", cwd=repo, env=key)  # fmt: skip
        assert made.exit_code == 0, made.stderr
        document = json.loads(made.stdout)
        assert [f["id"] for f in document["failures"]] == ["back"]
        parts.append(tmp_path / f"{name}.partial.json")
        parts[-1].write_text(made.stdout)
    merged = run_cli("merge", *map(str, parts), "--format", "json", cwd=tmp_path)
    assert merged.exit_code == 0, merged.stderr
    outcomes = merged.json()["outcomes"]
    assert (outcomes["failures"], outcomes["recovery_hours"]["p50"]) == (2, 4.0)
    assert outcomes["rework"] == {"deployments": 6, "rework": 2, "rate": 0.3333}
    # a partial made before outcomes knows no failures: the merge says none rather than 0
    older = json.loads(parts[0].read_text())
    del older["failures"]
    parts[0].write_text(json.dumps(older))
    unknown = run_cli("merge", *map(str, parts), "--format", "json", cwd=tmp_path)
    assert unknown.exit_code == 0 and unknown.json()["outcomes"] is None


def test_per_team_and_per_service_a_failure_stays_where_it_happened(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    """A monorepo: api's deploy of Ann's commit is rolled back after 2 h; web's deploys (Bob's
    commits) hold. The failure is api's and Ann's team's only."""
    ann, bob = "Ann <ann@example.com>", "Bob <bob@example.com>"
    base = repo.commit("chore: start", author=ann, when="2026-09-20T09:00:00Z", file="api.txt")
    a1 = repo.commit("feat: api one", author=ann, when="2026-10-01T09:00:00Z", file="api.txt")
    w1 = repo.commit("feat: web one", author=bob, when="2026-10-01T10:00:00Z", file="web.txt")
    a2 = repo.commit("feat: api two", author=ann, when="2026-10-02T09:00:00Z", file="api.txt")
    w2 = repo.commit("feat: web two", author=bob, when="2026-10-02T10:00:00Z", file="web.txt")
    events = tmp_path / "deploys.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in [
        {"id": "api-0", "sha": base, "time": "2026-09-21T00:00:00Z", "service": "api"},
        {"id": "web-0", "sha": base, "time": "2026-09-21T00:00:00Z", "service": "web"},
        {"id": "api-1", "sha": a1, "time": "2026-10-01T12:00:00Z", "service": "api"},
        {"id": "web-1", "sha": w1, "time": "2026-10-01T12:00:00Z", "service": "web"},
        {"id": "api-2", "sha": a2, "time": "2026-10-02T12:00:00Z", "service": "api"},
        {"id": "api-back", "sha": a1, "time": "2026-10-02T14:00:00Z", "service": "api"},
        {"id": "web-2", "sha": w2, "time": "2026-10-02T13:00:00Z", "service": "web"},
    ]))  # fmt: skip
    config = tmp_path / "deploycount.toml"
    config.write_text(
        '[deploys]\nsource = "file:' + str(events) + '"\n'
        '[services.api]\npaths = ["api.txt"]\n[services.web]\npaths = ["web.txt"]\n'
        '[teams.pay]\nmembers = ["ann@example.com"]\n[teams.front]\nmembers = ["bob@example.com"]\n'
        "[privacy]\nmin_team_size = 1\n"
    )
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--config",
                   str(config), "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    outcomes = made.json()["outcomes"]
    assert [
        (f["source"], f["deploy"], f["service"], f["hours"]) for f in made.json()["failures"]
    ] == [("rollback", "api-2", "api", 2.0)]
    assert outcomes["by_service"]["api"]["failures"] == 1
    assert outcomes["by_service"]["api"]["recovery_hours"] == {"n": 1, "p50": 2.0, "p90": 2.0}
    # api: api-1, api-2 and the rollback succeeded; the rollback is rework
    assert outcomes["by_service"]["api"]["rework"] == {
        "deployments": 3,
        "rework": 1,
        "rate": 0.3333,
    }
    web = outcomes["by_service"]["web"]
    assert (web["failures"], web["open"], web["recovery_hours"]["n"]) == (0, 0, 0)
    assert web["rework"] == {"deployments": 2, "rework": 0, "rate": 0.0}
    assert outcomes["by_service"]["api"]["recovery_histogram"]["le"]["3600"] == 0
    assert outcomes["by_service"]["api"]["recovery_histogram"]["le"]["14400"] == 1
    # the team of the commits the failed deploy shipped: pay (Ann), not front (Bob)
    assert outcomes["by_team"]["pay"]["failures"] == 1
    assert outcomes["by_team"]["front"]["failures"] == 0


# -- GitHub issues as incidents ----------------------------------------------------------------


def _issue(number: int, created: str, closed: str | None, body: str, *labels: str,
           pull: bool = False) -> dict[str, object]:  # fmt: skip
    issue: dict[str, object] = {
        "number": number, "created_at": created, "closed_at": closed,
        "state": "closed" if closed else "open", "body": body, "updated_at": closed or created,
        "labels": [{"name": name} for name in labels],
    }  # fmt: skip
    if pull:
        issue["pull_request"] = {"url": "…"}
    return issue


def test_github_issues_labelled_incident_are_incidents(repo: GitRepo, run_cli: RunCli) -> None:
    """Issues labelled `incident`, opened -> closed, linked by `root cause: <sha>` or by the pull
    request that caused them (resolved to the commit that merged it); pull requests and issues
    without the label are not incidents; one naming a pull request nothing here merged is said."""
    from tests.fake_github import REPO, GitHubState, fake_github

    repo.commit("base", when="2026-09-20T09:00:00Z")
    repo.tag("v1", annotated_at="2026-09-21T00:00:00Z")
    one = repo.commit("feat: one (#12)", when="2026-10-01T09:00:00Z")
    repo.tag("v2", annotated_at="2026-10-01T12:00:00Z")
    two = repo.commit("feat: two\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
                      when="2026-10-02T09:00:00Z")  # fmt: skip
    repo.tag("v3", annotated_at="2026-10-02T12:00:00Z")
    state = GitHubState(issues=[
        _issue(40, "2026-10-02T13:00:00Z", "2026-10-02T16:00:00Z",
               f"Checkout broke.\n\n**Root cause:** {two[:9]}\n", "incident", "sev2"),
        _issue(41, "2026-10-01T14:00:00Z", "2026-10-01T15:30:00Z", "caused by #12", "incident"),
        _issue(42, "2026-10-03T10:00:00Z", None, "Caused by: #99\n", "incident"),
        _issue(43, "2026-10-03T11:00:00Z", "2026-10-03T12:00:00Z", "no label", "bug"),
        _issue(44, "2026-10-03T11:00:00Z", None, "a pull request", "incident", pull=True),
    ])  # fmt: skip
    with fake_github(state) as github:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "good-token",
            "GITHUB_REPOSITORY": REPO,
        }
        made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--incidents",
                       "github", "--format", "json", cwd=repo, env=env)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    report = made.json()
    got = {f["id"]: (f["deploy"], f["hours"], f["ai"]) for f in report["failures"]}
    assert got == {
        "#40": ("v3", 3.0, True),  # v3 first shipped the named commit, AI-assisted
        "#41": ("v2", 1.5, False),  # #12 was merged as `feat: one (#12)`, which v2 shipped
        "#42": (None, None, None),  # still open; #99 was merged by nothing here
    }
    assert one != two
    assert any("incident #42 names pull request #99" in w for w in report["warnings"])
    # v3 was deployed at 12:00 and #40 opened at 13:00: v3 is a change that failed
    assert report["outcomes"]["change_fail"]["ai"]["k"] == 1


@pytest.mark.parametrize(
    ("issue", "fragment"),
    [
        ({"number": 1, "created_at": "soon", "state": "open"}, "created_at: 'soon' is not"),
        ({"number": "1", "created_at": "2026-10-02T00:00:00Z"}, "number: must be a whole number"),
        ({"number": 1, "created_at": "2026-10-02T00:00:00Z", "body": ["x"]}, "body: must be text"),
        ({"number": 1, "created_at": "2026-10-02T00:00:00Z", "state": "closed",
          "closed_at": "2026-10-01T00:00:00Z"}, "closed_at: is before created_at"),
    ],
)  # fmt: skip
def test_a_hostile_issues_answer_is_one_line_and_exit_1(
    repo: GitRepo, run_cli: RunCli, issue: dict[str, object], fragment: str
) -> None:
    from tests.fake_github import REPO, GitHubState, fake_github

    repo.commit("base", when="2026-09-20T09:00:00Z")
    repo.tag("v1")
    state = GitHubState(issues=[{**issue, "labels": [{"name": "incident"}], "updated_at": "2027"}])
    with fake_github(state) as github:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "good-token",
            "GITHUB_REPOSITORY": REPO,
        }
        made = run_cli("report", "--incidents", "github", cwd=repo, env=env)
    one_line_error(made, 1, "not of GitHub's schema", fragment)


def test_an_incidents_file_over_64_mib_is_refused_before_it_is_read_whole(
    repo: GitRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    repo.commit("feat: one", when="2026-10-01T09:00:00Z")
    huge = tmp_path / "incidents.jsonl"
    with huge.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)  # sparse: nothing written
    one_line_error(run_cli("report", "--incidents", str(huge), cwd=repo), 2, "larger than 64 MiB")


def test_the_deploy_at_an_incidents_resolution_is_its_fix_and_the_one_that_began_it_is_not() -> (
    None
):
    # INC-2 began at v1's very time (v1 caused it) and was resolved at v2's: v1 is planned work
    # (nothing was wrong before it), v2 is the fix; v3, two days later, is planned again.
    incident = Incident("INC-2", T0 + timedelta(hours=10), T0 + timedelta(hours=12))
    rework, _ = run(
        linked((event("v0", 0), "ship"), (event("v1", 10), "ship"), (event("v2", 12), "ship"),
               (event("v3", 60), "ship")),
        incidents=(incident,),
    )  # fmt: skip
    assert rework == {2: "during incident INC-2"}


def test_a_fix_of_recent_work_is_rework(repo: GitRepo, run_cli: RunCli, tmp_path: Path) -> None:
    """c2 ships on 2 October; c3 says `Fixes: <c2>` and ships on the 4th, two days on: rework.
    c4 fixes c1, which shipped nine days before it: planned work (outside 7 days)."""
    start = repo.commit("chore: start", when="2026-09-20T09:00:00Z")
    c1 = repo.commit("feat: one", when="2026-09-24T09:00:00Z")
    c2 = repo.commit("feat: two", when="2026-10-02T09:00:00Z")
    c3 = repo.commit(f'fix: two\n\nFixes: {c2[:12]} ("feat: two")\n', when="2026-10-04T09:00:00Z")
    c4 = repo.commit(f"fix: one\n\nfixes: {c1[:7]}\n", when="2026-10-03T10:00:00Z")
    deploys = _events(tmp_path / "deploys.jsonl", repo, [
        ("d0", start, "2026-09-21T10:00:00Z", "success"),
        ("d1", c1, "2026-09-24T10:00:00Z", "success"),
        ("d2", c2, "2026-10-02T10:00:00Z", "success"),
        ("d3", c4, "2026-10-04T10:00:00Z", "success"),
    ])  # fmt: skip
    del c3  # c4 is c3's child: d3 ships both
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--deploys",
                   deploys, "--format", "json", cwd=repo)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert [(d["id"], d["rework"]) for d in made.json()["deployments"]] == [
        ("d2", None), ("d3", "reverts or fixes a commit shipped up to 7 days before"),
    ]  # fmt: skip
    # without c3, d3 ships only the fix of c1 (shipped by d1 on 24 September, ten days on)
    repo.git("reset", "-q", "--hard", c2)
    c4b = repo.commit(f"fix: one\n\nFixes: {c1[:7]}\n", when="2026-10-03T10:00:00Z")
    deploys = _events(tmp_path / "deploys.jsonl", repo, [
        ("d0", start, "2026-09-21T10:00:00Z", "success"),
        ("d1", c1, "2026-09-24T10:00:00Z", "success"),
        ("d2", c2, "2026-10-02T10:00:00Z", "success"),
        ("d3", c4b, "2026-10-04T10:00:00Z", "success"),
    ])  # fmt: skip
    made = run_cli("report", "--since", "2026-10-01", "--until", "2026-10-08", "--deploys",
                   deploys, "--format", "json", cwd=repo)  # fmt: skip
    assert [(d["id"], d["rework"]) for d in made.json()["deployments"]] == [
        ("d2", None), ("d3", None),
    ]  # fmt: skip
