"""partial.py: a partial on the wire, written and read back; people never leave as emails, and
every forged field is refused as `NAME: FIELD: REASON`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from deploycount.errors import UsageError
from deploycount.partial import from_json, people_key, to_json
from tests.history_rows import partial_of, row_of, tally_of

KEY = b"k" * 32


def written() -> dict[str, Any]:
    partial = partial_of(
        [row_of("v1", 1, 2, 1), row_of("v2", 8, 1)],
        tally_of([0, 1], [0], commits=3, ai_commits=1, people={"ann@x.example", "ben@x.example"},
                 ai_lead=[3600.0], human_lead=[7200.0, 10800.0], tools={"cursor": 1}),
        teams={"pay": tally_of([0], [0], commits=2, ai_commits=1, people={"ann@x.example"},
                               ai_lead=[3600.0], human_lead=[7200.0], tools={"cursor": 1})},
        declared=[("pay", 4)],
    )  # fmt: skip
    document: dict[str, Any] = json.loads(to_json(partial, KEY))
    return document


def test_a_partial_reads_back_as_it_was_written_with_people_hashed() -> None:
    document = written()
    text = json.dumps(document)
    assert "ann@x.example" not in text and "ben@x.example" not in text
    people = document["tallies"]["all"]["people"]
    assert len(people) == 2 and all(len(p) == 64 for p in people)
    # the same person under the same key is the same hash, in every table of the file
    assert set(document["tallies"]["teams"]["pay"]["people"]) < set(people)
    back = from_json(text, name="api.json")
    assert back.tallies.totals.commits == 3 and back.tallies.totals.ai_commits == 1
    assert back.tallies.totals.deployments == {0, 1} and back.tallies.totals.ai_deployments == {0}
    assert sorted(back.tallies.totals.human_lead) == [7200.0, 10800.0]
    assert back.teams == [("pay", 4)] and [r.id for r in back.deployments] == ["v1", "v2"]
    assert back.key_id == document["people_key_id"] != ""


def test_another_key_hashes_the_same_person_otherwise() -> None:
    partial = partial_of([], tally_of(people={"ann@x.example"}))
    one = json.loads(to_json(partial, KEY))["tallies"]["all"]["people"]
    two = json.loads(to_json(partial, b"q" * 32))["tallies"]["all"]["people"]
    assert one != two


def test_the_people_key_must_be_long_enough() -> None:
    with pytest.raises(UsageError, match="DEPLOYCOUNT_PEOPLE_KEY"):
        people_key({"DEPLOYCOUNT_PEOPLE_KEY": "short"})
    assert people_key({"DEPLOYCOUNT_PEOPLE_KEY": "x" * 16}) == b"x" * 16


def _set(document: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for part in parents:
        document = document[int(part)] if part.isdigit() else document[part]  # type: ignore[index]
    if last.isdigit():
        document[int(last)] = value  # type: ignore[index]
    else:
        document[last] = value


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("tallies.all.commits", -1, "must be at least 0"),
        ("tallies.all.commits", "3", "must be a whole number, not a string"),
        ("tallies.all.ai_commits", 4, "must be at most 3"),  # more AI commits than commits
        ("tallies.teams.pay.ai_deployments", [1], "names a deploy missing from deployments"),
        ("tallies.all.deployments", [2], "must list deploys of the partial by their index"),
        ("tallies.all.people", ["ann@x.example"], "must be hashed keys"),
        ("tallies.all.human_lead_seconds", [1, 2, 3, 4], "more lead times than counted commits"),
        ("tallies.all.tools.cursor", 2, "must be at most 1"),
        ("teams.0.size", 10**7, "must be at most 1,000,000"),
        ("min_team_size", 0, "must be at least 1"),
        ("since", "2026-10-01", "is not an ISO 8601 UTC time"),
        ("until", "2026-09-01T00:00:00Z", "is not after since"),
        ("weeks", 6.0, "must be more than 0 and at most the window's length"),
        ("deployments.1.ai_commits", 2, "must be at most 1"),
        ("schema", "deploycount.partial/0", "not deploycount.partial/2"),
        ("schema", "deploycount.partial/1", "made by an older deploycount, make it again"),
        ("tallies.all.person_weeks", [["f" * 64, 0]], "must be [person, week] of the people"),
        ("rollbacks", 3, "must be at most 2"),
    ],
)
def test_a_forged_field_is_one_line_naming_it(field: str, value: object, reason: str) -> None:
    document = written()
    _set(document, field, value)
    with pytest.raises(UsageError) as refused:
        from_json(json.dumps(document), name="api.json")
    assert str(refused.value).startswith(f"api.json: {field}: "), str(refused.value)
    assert reason in str(refused.value)


@pytest.mark.parametrize(
    ("services", "reason"),
    [
        (["all"], "service name 'all' is reserved"),
        (["ALL"], "service name 'ALL' is reserved"),
        ([" web"], "must be a visible name without blanks around it"),
        (["web", "web"], "names a service twice"),
        (["w" * 257], "must be a visible name"),
    ],
)
def test_a_partial_s_services_are_held_to_the_config_s_rules(
    services: list[str], reason: str
) -> None:
    """A service named `all` would have made a second service="all",team="all" series."""
    document = written()
    document["services"] = services
    with pytest.raises(UsageError, match=reason):
        from_json(json.dumps(document), name="api.json")
