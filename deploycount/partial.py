"""Partial reports on the wire: one repository's tallies as a file that merges exactly with
others (`merge.py`), written and read back (README "Many repositories").

A partial holds no email and no name: each person is HMAC-SHA256 of the lower-cased email under
a secret key (`DEPLOYCOUNT_PEOPLE_KEY`), so the same person gives the same key in every
repository that uses the same secret, and nobody without the secret can test a guess. Lead times
are kept as values, so the merged medians are exact. The privacy floor is applied after the
merge, to the merged teams.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from deploycount import checks
from deploycount.checks import Invalid
from deploycount.config import SERVICE_LONGEST, SERVICE_RESERVED
from deploycount.errors import UsageError
from deploycount.files import read_text_file
from deploycount.model import DeploymentRow, FailureRow, NotAReport, validated
from deploycount.options import DEFAULT_MIN_N
from deploycount.tallies import Partial, Tallies, Tally
from deploycount.teams import ALL, RESERVED_TEAM_NAMES

SCHEMA = "deploycount.partial/2"  # /2: person-weeks (the active size) beside the people
PEOPLE_KEY_ENV = "DEPLOYCOUNT_PEOPLE_KEY"
_MIN_KEY_BYTES = 16


def people_key(environ: Mapping[str, str]) -> bytes:
    key = environ.get(PEOPLE_KEY_ENV, "")
    if len(key.encode()) < _MIN_KEY_BYTES:
        raise UsageError(
            f"--format partial needs {PEOPLE_KEY_ENV}: a secret of at least {_MIN_KEY_BYTES} "
            "characters, the same for every repository (people are hashed with it, so partials "
            "never hold an email); e.g. openssl rand -hex 32, kept as an organisation secret"
        )
    return key.encode()


def _key_id(key: bytes) -> str:
    return hmac.new(key, b"deploycount key check", hashlib.sha256).hexdigest()[:16]


def _hashed(people: Iterable[str], key: bytes) -> list[str]:
    return sorted(hmac.new(key, p.encode(), hashlib.sha256).hexdigest() for p in people)


def _tally_json(tally: Tally, key: bytes) -> dict[str, Any]:
    hashed = {person: _hashed([person], key)[0] for person in tally.people}
    return {
        "deployments": sorted(tally.deployments),
        "ai_deployments": sorted(tally.ai_deployments),
        "commits": tally.commits,
        "ai_commits": tally.ai_commits,
        "people": sorted(hashed.values()),
        "person_weeks": sorted([hashed[p], week] for p, week in tally.person_weeks if p in hashed),
        "ai_lead_seconds": sorted(tally.ai_lead),
        "human_lead_seconds": sorted(tally.human_lead),
        "reverted_ai": tally.reverted_ai,
        "reverted_human": tally.reverted_human,
        "tools": dict(sorted(tally.tools.items())),
    }


def to_json(partial: Partial, key: bytes) -> str:
    """The partial as JSON, every person hashed with `key`."""
    tallies = partial.tallies
    document = {
        "schema": SCHEMA,
        "repository": partial.repository,
        "environment": partial.environment,
        "deploy_source": partial.deploy_source,
        "since": partial.since,
        "until": partial.until,
        "weeks": partial.weeks,
        "min_team_size": partial.min_team_size,
        "teams": [{"name": name, "size": size} for name, size in partial.teams],
        "people_key_id": _key_id(key),
        "deployments": [asdict(row) for row in partial.deployments],
        "rollbacks": partial.rollbacks,
        "failed_deployments": partial.failed_deployments,
        "warnings": partial.warnings,
        "services": partial.services,
        "failures": (None if partial.failures is None else [asdict(f) for f in partial.failures]),
        "min_n": partial.min_n,
        "tallies": {
            "all": _tally_json(tallies.totals, key),
            "teams": {name: _tally_json(t, key) for name, t in sorted(tallies.by_team.items())},
            "services": {
                name: _tally_json(t, key) for name, t in sorted(tallies.by_service.items())
            },
            "outside_services": tallies.outside_services,
        },
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# -- reading -----------------------------------------------------------------------------------


# Bounds no real partial comes near; anything past them is a broken or forged file.
_MAX_COUNT = 10**9  # commits, deploys, people in one window
_MAX_SIZE = 10**6  # a declared team size
_MAX_WEEKS = 100 * 53.0  # a century of weeks
_MAX_LEAD_SECONDS = 100 * 366 * 86_400.0  # a century


def _count(document: Mapping[str, Any], name: str, where: str, *, at_least: int = 0,
           at_most: int = _MAX_COUNT) -> int:  # fmt: skip
    return checks.whole_number(document.get(name), where + name, at_least=at_least, at_most=at_most)


def _text(document: Mapping[str, Any], name: str) -> str:
    return checks.text(document.get(name), name, empty=True)


def _time(document: Mapping[str, Any], name: str, where: str = "") -> datetime:
    return checks.utc_time(document.get(name), where + name)


def _indices(values: Any, name: str, deploys: int) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v < deploys for v in values
    ):
        raise Invalid(name, "must list deploys of the partial by their index")
    return values


def _tally_from(document: Any, deploys: int, where: str) -> Tally:
    if not isinstance(document, dict):
        raise Invalid(where.rstrip("."), "not an object")
    tally = Tally()
    tally.deployments.update(_indices(document.get("deployments"), where + "deployments", deploys))
    tally.ai_deployments.update(
        _indices(document.get("ai_deployments"), where + "ai_deployments", deploys)
    )
    if not tally.ai_deployments <= tally.deployments:
        raise Invalid(where + "ai_deployments", "names a deploy missing from deployments")
    tally.commits = _count(document, "commits", where)
    tally.ai_commits = _count(document, "ai_commits", where, at_most=tally.commits)
    tally.reverted_ai = _count(document, "reverted_ai", where)
    tally.reverted_human = _count(document, "reverted_human", where)
    people = document.get("people")
    if not isinstance(people, list) or not all(
        isinstance(p, str) and len(p) == 64 and p.isalnum() for p in people
    ):
        raise Invalid(where + "people", "must be hashed keys")
    tally.people.update(people)
    weeks = document.get("person_weeks")
    if not isinstance(weeks, list) or not all(
        isinstance(w, list) and len(w) == 2 and w[0] in tally.people
        and isinstance(w[1], int) and not isinstance(w[1], bool) and 0 <= w[1] <= _MAX_WEEKS
        for w in weeks
    ):  # fmt: skip
        raise Invalid(where + "person_weeks", "must be [person, week] of the people listed")
    tally.person_weeks.update((person, week) for person, week in weeks)
    limits = {"ai_lead_seconds": tally.ai_commits, "human_lead_seconds": tally.commits}
    for name, leads in (("ai_lead_seconds", tally.ai_lead),
                        ("human_lead_seconds", tally.human_lead)):  # fmt: skip
        values = document.get(name)
        if not isinstance(values, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool)
            and 0 <= v <= _MAX_LEAD_SECONDS  # also false for NaN
            for v in values
        ):  # fmt: skip
            raise Invalid(where + name, "must be lead times in seconds, 0 to a century")
        if len(values) > limits[name]:
            raise Invalid(where + name, "more lead times than counted commits")
        leads.extend(float(v) for v in values)
    tools = document.get("tools")
    if not isinstance(tools, dict):
        raise Invalid(where + "tools", "not an object")
    for tool in tools:
        _count(tools, tool, f"{where}tools.", at_most=tally.ai_commits)
    tally.tools.update(tools)
    return tally


def _no_constant(name: str) -> None:
    raise Invalid("JSON", f"{name} is not a number JSON allows")


def from_json(text: str, *, name: str) -> Partial:
    """A partial read back, checked as strictly as the config: anything malformed, impossible
    or out of bounds is one error, `NAME: FIELD: REASON`."""
    try:
        return _partial(_document(text))
    except Invalid as error:
        raise UsageError(checks.said(name, error)) from None


def _document(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise Invalid("JSON", "nested too deeply") from None
    except Invalid:
        raise
    except json.JSONDecodeError as error:
        raise Invalid("JSON", str(error).splitlines()[0]) from None
    except ValueError:  # json reads a number of more than 4,300 digits as an int, and fails
        raise Invalid("JSON", checks.TOO_LONG) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        older = isinstance(document, dict) and document.get("schema") == "deploycount.partial/1"
        raise Invalid(
            "schema",
            f"not {SCHEMA}" + (": made by an older deploycount, make it again" if older else ""),
        )
    return document


def _rows(document: Mapping[str, Any]) -> list[DeploymentRow]:
    raw_rows = document.get("deployments")
    if not isinstance(raw_rows, list):
        raise Invalid("deployments", "not a list")
    rows = []
    for number, row in enumerate(raw_rows):
        where = f"deployments.{number}."
        try:
            rows.append(validated(DeploymentRow, row))
        except NotAReport as error:
            raise Invalid(where.rstrip("."), str(error)) from None
        _time(row, "time", where)
        _count(row, "commits", where)
        _count(row, "ai_commits", where, at_most=row["commits"])
    return rows


def _teams(document: Mapping[str, Any]) -> list[tuple[str, int | None]]:
    raw_teams = document.get("teams")
    if not isinstance(raw_teams, list):
        raise Invalid("teams", "not a list")
    teams = []
    for number, team in enumerate(raw_teams):
        if not isinstance(team, dict) or not isinstance(team.get("name"), str):
            raise Invalid(f"teams.{number}", "must be an object with a name")
        checks.group_name(team["name"], f"teams.{number}.name", what="team",
                          reserved=RESERVED_TEAM_NAMES)  # fmt: skip
        size = team.get("size")
        if size is not None:
            size = _count(team, "size", f"teams.{number}.", at_most=_MAX_SIZE)
        teams.append((team["name"], size))
    return teams


def _weeks(document: Mapping[str, Any]) -> float:
    since, until = _time(document, "since"), _time(document, "until")
    if since >= until:
        raise Invalid("until", "is not after since")
    weeks = document.get("weeks")
    window_weeks = (until - since).total_seconds() / (7 * 86_400)
    if (
        not isinstance(weeks, int | float) or isinstance(weeks, bool)
        or not 0 < weeks <= min(window_weeks + 1e-6, _MAX_WEEKS)
    ):  # fmt: skip
        raise Invalid("weeks", "must be more than 0 and at most the window's length")
    return float(weeks)


def _partial(document: dict[str, Any]) -> Partial:
    rows = _rows(document)
    tallies_doc = document.get("tallies")
    if not isinstance(tallies_doc, dict) or not isinstance(tallies_doc.get("teams"), dict):
        raise Invalid("tallies", "must hold all and teams")
    tallies = Tallies()
    tallies.totals = _tally_from(tallies_doc.get("all"), len(rows), "tallies.all.")
    for team, tally in tallies_doc["teams"].items():
        checks.group_name(team, "tallies.teams", what="team", reserved={ALL})  # as the config
        tallies.by_team[team] = _tally_from(tally, len(rows), f"tallies.teams.{team}.")
    # A partial of a repository without [services] (or from before them) has none.
    services = document.get("services", [])
    if not isinstance(services, list):
        raise Invalid("services", "must be a list of names")
    for number, service in enumerate(services):
        checks.group_name(service, f"services.{number}", what="service",
                          reserved=SERVICE_RESERVED, longest=SERVICE_LONGEST)  # fmt: skip
    if len(set(services)) != len(services):
        raise Invalid("services", "names a service twice")
    by_service = tallies_doc.get("services", {})
    if not isinstance(by_service, dict) or not set(by_service) <= set(services):
        raise Invalid("tallies.services", "must hold a tally per service the partial names")
    for service, tally in by_service.items():
        tallies.by_service[service] = _tally_from(tally, len(rows), f"tallies.services.{service}.")
    tallies.outside_services = (
        _count(tallies_doc, "outside_services", "tallies.")
        if ("outside_services" in tallies_doc)
        else 0
    )
    warnings = document.get("warnings")
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise Invalid("warnings", "must be a list of text")
    return Partial(
        repository=_text(document, "repository"),
        environment=_text(document, "environment"),
        deploy_source=_text(document, "deploy_source"),
        since=_text(document, "since"),
        until=_text(document, "until"),
        weeks=_weeks(document),
        min_team_size=_count(document, "min_team_size", "", at_least=1, at_most=_MAX_SIZE),
        teams=_teams(document),
        tallies=tallies,
        deployments=rows,
        rollbacks=_count(document, "rollbacks", "", at_most=len(rows)),
        failed_deployments=_count(document, "failed_deployments", "", at_most=len(rows)),
        warnings=list(warnings),
        key_id=_text(document, "people_key_id"),
        services=list(services),
        failures=_failures(document),
        min_n=(
            _count(document, "min_n", "", at_least=2, at_most=_MAX_COUNT)
            if "min_n" in document
            else DEFAULT_MIN_N
        ),
    )


def _failures(document: Mapping[str, Any]) -> list[FailureRow] | None:
    raw = document.get("failures")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise Invalid("failures", "not a list")
    failures = []
    for number, item in enumerate(raw):
        try:
            failures.append(validated(FailureRow, item))
        except NotAReport as error:
            raise Invalid(f"failures.{number}", str(error)) from None
        hours = failures[-1].hours
        if hours is not None and not 0 <= hours <= _MAX_LEAD_SECONDS / 3600:
            raise Invalid(f"failures.{number}.hours", "must be between 0 and a century")
    return failures


def read_partials(paths: Sequence[str], *, limit: int = 64 * 1024 * 1024) -> list[Partial]:
    """Read partial files (`-` is stdin); a missing, huge or malformed one is a usage error
    naming it."""
    partials = []
    for path in paths:
        if path == "-":
            text = sys.stdin.read(limit + 1)
            if len(text) > limit:
                raise UsageError(f"-: larger than {limit // (1024 * 1024)} MiB, not a partial")
        else:
            text = read_text_file(path, label=path, limit=limit)
        partials.append(from_json(text, name=path))
    return partials
