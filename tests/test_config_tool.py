"""A tool of the organisation's own, declared in `[attribution.tools.<id>]`, end to end: scan,
report, the commit hook (DEPLOYCOUNT_AI_TOOL) and lint all know it."""

from __future__ import annotations

from tests.conftest import GitRepo, RunCli
from tests.test_hook_lint import commit

CONFIG = """
[attribution.tools.skynet]
identities = ["skynet-agent[bot]", "agent@skynet.example"]
aliases = ["skynet", "sky net"]
footers = ["SkyNet"]

[attribution.identities]
skynet = ["robot@ops.example"]
"""


def test_config_defined_tool_in_scan_and_report(repo: GitRepo, run_cli: RunCli) -> None:
    (repo.path / ".deploycount.toml").write_text(CONFIG)
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v0")
    shas = [
        repo.commit("feat: a\n\nAssisted-by: SkyNet 9000 (gpt-5)\n", when="2026-10-02T10:00:00Z"),
        repo.commit("feat: b", author="SkyNet <agent@skynet.example>", when="2026-10-02T11:00:00Z"),
        repo.commit("feat: c\n\n🤖 Generated with [SkyNet](https://skynet.example)\n", when="2026-10-02T12:00:00Z"),
        repo.commit("feat: d\n\nCo-authored-by: Ops Robot <robot@ops.example>\n", when="2026-10-02T13:00:00Z"),
        repo.commit("feat: e", author="skynet-agent[bot] <9+skynet-agent[bot]@users.noreply.github.com>", when="2026-10-02T14:00:00Z"),
    ]  # fmt: skip
    repo.tag("v1", annotated_at="2026-10-03T00:00:00Z")
    scan = run_cli("scan", "--format", "json", "-n", "5", cwd=repo)
    assert scan.exit_code == 0, scan.stderr
    assert {row["sha"]: row["tools"] for row in scan.json()} == {sha: ["skynet"] for sha in shas}
    report = run_cli(
        "report", "--format", "json", "--since", "2026-10-01", "--until", "2026-10-29", cwd=repo
    )
    assert report.exit_code == 0, report.stderr
    assert report.json()["totals"]["tools"] == {"skynet": 5}


def test_config_defined_tool_in_the_hook_and_lint(repo: GitRepo, run_cli: RunCli) -> None:
    (repo.path / ".deploycount.toml").write_text(CONFIG)
    repo.commit("initial")
    assert run_cli("hook", "install", cwd=repo).exit_code == 0
    message = commit(repo, "-m", "feat: x", env={"DEPLOYCOUNT_AI_TOOL": "sky net"})
    assert message.endswith("\n\nAssisted-by: skynet")
    scanned = run_cli("scan", "--format", "json", "-n", "1", cwd=repo).json()
    assert scanned[0]["tools"] == ["skynet"]
    lint = run_cli("lint", "--format", "json", cwd=repo)
    assert lint.exit_code == 0 and lint.json() == []
    # without the declaration the same value is an unknown tool, and the fix says how to declare
    (repo.path / ".deploycount.toml").unlink()
    lint = run_cli("lint", "--format", "json", cwd=repo)
    [finding] = lint.json()
    assert finding["code"] == "unknown-tool" and "[attribution.tools.<id>]" in finding["fix"]


def test_config_tool_errors_name_the_key(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("initial")
    for text, fragment in [
        (
            '[attribution.identities]\nskynet = ["a@b"]\n',
            "attribution.identities.skynet: unknown tool",
        ),
        ('[attribution.tools.other]\naliases = ["x"]\n', "'other' is reserved"),
        ('[attribution.tools."Bad Id"]\naliases = ["x"]\n', "attribution.tools.Bad Id"),
        ('[attribution.tools.x]\nemails = ["a@b"]\n', "unknown key"),
    ]:
        (repo.path / ".deploycount.toml").write_text(text)
        result = run_cli("scan", cwd=repo)
        assert result.exit_code == 2, text
        assert fragment in result.stderr, (text, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
