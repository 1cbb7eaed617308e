"""Teams across repositories: `report --repo ... --repo ...` and `merge` of partial reports give
the figures of one repository holding the same commits and deploys, with each person counted
once; partials hold no email and no name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli, make_repo

TEAMS = """
[teams.pay]
members = ["ann@example.com", "ben@example.com"]

[teams.web]
members = ["cy@example.com", "dee@example.com"]

[privacy]
min_team_size = 2
"""
ANN, BEN = "Ann <ann@example.com>", "Ben <ben@example.com>"
CY, DEE = "Cy <cy@example.com>", "Dee <dee@example.com>"
CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29", "--deploys", "tags:*-v*")
KEY = {"DEPLOYCOUNT_PEOPLE_KEY": "correct horse battery staple, 2026"}

# (repository, [(message, author, when) ...], [(tag, after commit n, tag time)])
HISTORIES: dict[str, Any] = {
    "api": (
        [("base", ANN, "2026-09-01T10:00:00Z"), ("feat: a1" + CLAUDE, ANN, "2026-10-02T10:00:00Z"),
         ("fix: a2", BEN, "2026-10-03T10:00:00Z"), ("feat: a3" + CLAUDE, CY, "2026-10-09T10:00:00Z"),
         ("feat: a4", ANN, "2026-10-15T10:00:00Z")],
        [("api-v0", 0, "2026-09-02T00:00:00Z"), ("api-v1", 2, "2026-10-04T00:00:00Z"),
         ("api-v2", 3, "2026-10-10T00:00:00Z"), ("api-v3", 4, "2026-10-16T00:00:00Z")],
    ),
    "web": (
        [("base", CY, "2026-09-01T11:00:00Z"), ("feat: w1" + CLAUDE, CY, "2026-10-05T10:00:00Z"),
         ("feat: w2", ANN, "2026-10-06T10:00:00Z"), ("feat: w3" + CLAUDE, DEE, "2026-10-12T10:00:00Z")],
        [("web-v0", 0, "2026-09-02T01:00:00Z"), ("web-v1", 2, "2026-10-07T00:00:00Z"),
         ("web-v2", 3, "2026-10-13T00:00:00Z")],
    ),
    "ops": (
        [("base", DEE, "2026-09-01T12:00:00Z"), ("chore: o1", DEE, "2026-10-08T10:00:00Z"),
         ("chore: o2" + CLAUDE, BEN, "2026-10-20T10:00:00Z")],
        [("ops-v0", 0, "2026-09-02T02:00:00Z"), ("ops-v1", 1, "2026-10-08T12:00:00Z"),
         ("ops-v2", 2, "2026-10-21T00:00:00Z")],
    ),
}  # fmt: skip


def build(repo: GitRepo, name: str) -> None:
    commits, tags = HISTORIES[name]
    shas = [
        repo.commit(message, author=author, when=when, file=f"{name}.txt")
        for message, author, when in commits
    ]
    for tag, index, when in tags:
        repo.tag(tag, shas[index], annotated_at=when)
    repo.git("remote", "add", "origin", f"https://github.com/acme/{name}.git")


@pytest.fixture
def organisation(tmp_path: Path) -> tuple[list[Path], Path, Path]:
    """Three repositories sharing people and teams, the team directory they share, and one
    repository holding all three histories and all their deploys."""
    roots = []
    for name in HISTORIES:
        repo = make_repo(tmp_path / "clones" / name)
        build(repo, name)
        roots.append(repo.path)
    combined = make_repo(tmp_path / "combined")
    for name, root in zip(HISTORIES, roots, strict=True):
        combined.git("fetch", "-q", str(root), f"main:{name}-main", "--tags")
    combined.git("checkout", "-q", "api-main")
    config = tmp_path / "teams.toml"
    config.write_text(TEAMS)
    return roots, config, combined.path


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """What must be equal: everything but names and the warnings' prefixes."""
    rows = [{k: v for k, v in d.items() if k != "repository"} for d in report["deployments"]]
    return {"totals": report["totals"], "teams": report["teams"], "weeks": report["weeks"],
            "deployments": rows}  # fmt: skip


def test_many_repositories_equal_one_holding_them_all(
    organisation: tuple[list[Path], Path, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    roots, config, combined = organisation
    one = run_cli("report", *WINDOW, "--config", str(config), "--format", "json", cwd=combined)
    assert one.exit_code == 0, one.stderr
    single = one.json()

    repos = [arg for root in roots for arg in ("--repo", str(root))]
    many = run_cli("report", *WINDOW, *repos, "--config", str(config), "--format", "json",
                   cwd=tmp_path)  # fmt: skip
    assert many.exit_code == 0, many.stderr
    multi = many.json()
    assert multi["repository"] == "acme/*"
    assert multi["repositories"] == ["acme/api", "acme/web", "acme/ops"]
    assert figures(multi) == figures(single)
    # A directory of clones is the same three repositories.
    folder = run_cli("report", *WINDOW, "--repo", str(tmp_path / "clones"), "--config",
                     str(config), "--format", "json", cwd=tmp_path)  # fmt: skip
    assert figures(folder.json()) == figures(single)

    # Fan-out: a partial per repository, merged.
    paths = []
    for root in roots:
        part = run_cli("report", *WINDOW, "--config", str(config), "--format", "partial",
                       cwd=root, env=KEY)  # fmt: skip
        assert part.exit_code == 0, part.stderr
        text = part.stdout
        for secret in ("ann@", "ben@", "cy@", "dee@", "Ann", "Ben", "example.com"):
            assert secret not in text  # a partial never names a person
        path = tmp_path / f"{root.name}.partial.json"
        path.write_text(text)
        paths.append(str(path))
    merged = run_cli("merge", *paths, "--format", "json", cwd=tmp_path)
    assert merged.exit_code == 0, merged.stderr
    assert figures(merged.json()) == figures(single)
    assert merged.json()["repositories"] == ["acme/api", "acme/web", "acme/ops"]

    # The check is not empty: people really span repositories, and a per-repository roll-up
    # (sum of each repository's active people) would have counted them more than once.
    separate = [
        run_cli("report", *WINDOW, "--config", str(config), "--format", "json", cwd=root).json()
        for root in roots
    ]
    summed = sum(r["totals"]["people"] for r in separate)
    # api: ann, ben, cy; web: cy, ann, dee; ops: dee, ben. 3 + 3 + 2 = 8 people for 4 distinct
    # ones: a roll-up would divide by twice the people, halving the org figure.
    assert (summed, single["totals"]["people"]) == (8, 4)
    pay = [next(t for t in r["teams"] if t["team"] == "pay") for r in separate]
    assert [t["suppressed"] for t in pay] == [False, True, True]  # alone, two fall below 2
    merged_pay = next(t for t in single["teams"] if t["team"] == "pay")
    assert not merged_pay["suppressed"] and merged_pay["deployments"] == 4


def test_partials_need_a_key_and_one_key(
    organisation: tuple[list[Path], Path, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    roots, _, _ = organisation
    refused = run_cli("report", *WINDOW, "--format", "partial", cwd=roots[0])
    assert refused.exit_code == 2 and "DEPLOYCOUNT_PEOPLE_KEY" in refused.stderr
    first = run_cli("report", *WINDOW, "--format", "partial", cwd=roots[0], env=KEY)
    other = run_cli("report", *WINDOW, "--format", "partial", cwd=roots[1],
                    env={"DEPLOYCOUNT_PEOPLE_KEY": "another secret of 16+ chars"})  # fmt: skip
    (tmp_path / "a.json").write_text(first.stdout)
    (tmp_path / "b.json").write_text(other.stdout)
    mixed = run_cli("merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), cwd=tmp_path)
    assert mixed.exit_code == 2 and "another DEPLOYCOUNT_PEOPLE_KEY" in mixed.stderr
    twice = run_cli("merge", str(tmp_path / "a.json"), str(tmp_path / "a.json"), cwd=tmp_path)
    assert twice.exit_code == 2 and "more than once" in twice.stderr
    (tmp_path / "bad.json").write_text(json.dumps({"schema": "deploycount.partial/1"}))
    bad = run_cli("merge", str(tmp_path / "bad.json"), cwd=tmp_path)
    assert bad.exit_code == 2 and "bad.json: " in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    device = run_cli("merge", "/dev/zero", cwd=tmp_path)  # never read for ever
    assert device.exit_code == 2 and "not a regular file" in device.stderr


def test_a_merged_report_is_pushed_like_any_report(
    organisation: tuple[list[Path], Path, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from tests.servers import Reply, scripted_server

    roots, config, _ = organisation
    paths = []
    for root in roots:
        part = run_cli("report", *WINDOW, "--config", str(config), "--format", "partial",
                       "--output", str(tmp_path / f"{root.name}.json"), cwd=root, env=KEY)  # fmt: skip
        assert part.exit_code == 0, part.stderr
        paths.append(str(tmp_path / f"{root.name}.json"))
    merged = run_cli("merge", *paths, "--format", "json", "--output", str(tmp_path / "org.json"),
                     cwd=tmp_path)  # fmt: skip
    assert merged.exit_code == 0, merged.stderr
    with scripted_server(lambda request, n: Reply(200)) as server:
        pushed = run_cli("push", "--report", str(tmp_path / "org.json"), "--sink", "pushgateway",
                         "--to", server.url, cwd=tmp_path)  # fmt: skip
        assert pushed.exit_code == 0, pushed.stderr
    [exchange] = server.received
    # acme/* as the repository label (base64, it holds a slash), the 28-day window.
    assert (
        exchange.path
        == "/metrics/job/deploycount/repository@base64/YWNtZS8q/environment/production/window/28d"
    )
    values = {
        (s.name, s.labels.get("team")): s.value
        for family in text_string_to_metric_families(exchange.body.decode())
        for s in family.samples
    }
    assert values[("deploycount_deployments", "all")] == 3 + 2 + 2  # api, web, ops (v0: before)
    org = json.loads((tmp_path / "org.json").read_text())
    assert values[("deploycount_team_size", "all")] == org["totals"]["size"] > 0
    (tmp_path / "not-a-report.json").write_text('{"schema": "deploycount.report/1"}')
    refused = run_cli("push", "--report", str(tmp_path / "not-a-report.json"), "--sink",
                      "pushgateway", "--to", "http://127.0.0.1:1", cwd=tmp_path)  # fmt: skip
    assert refused.exit_code == 2 and "not a deploycount JSON report" in refused.stderr
