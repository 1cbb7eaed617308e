"""Partial reports: one repository's tallies in a form that merges exactly with others, and the
merge itself (README "Many repositories").

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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from deploycount.errors import UsageError
from deploycount.files import read_text_file
from deploycount.metrics import report_of, repository_label
from deploycount.model import DeploymentRow, Report, validated
from deploycount.tallies import Partial, Tallies, Tally

SCHEMA = "deploycount.partial/1"
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
    return {
        "deployments": sorted(tally.deployments),
        "ai_deployments": sorted(tally.ai_deployments),
        "commits": tally.commits,
        "ai_commits": tally.ai_commits,
        "people": _hashed(tally.people, key),
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
        "tallies": {
            "all": _tally_json(tallies.totals, key),
            "teams": {name: _tally_json(t, key) for name, t in sorted(tallies.by_team.items())},
        },
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# -- reading -----------------------------------------------------------------------------------


class _Bad(ValueError):
    pass


def _field(document: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _Bad(f"{name} is missing or not a {getattr(kind, '__name__', 'value')}")
    return value


def _ints(values: Any, name: str) -> list[int]:
    if not isinstance(values, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    ):
        raise _Bad(f"{name} must be a list of counts")
    return values


def _tally_from(document: Any, deploys: int) -> Tally:
    if not isinstance(document, dict):
        raise _Bad("a tally is not an object")
    tally = Tally()
    for name, deploy_set in (("deployments", tally.deployments),
                             ("ai_deployments", tally.ai_deployments)):  # fmt: skip
        indices = _ints(document.get(name), name)
        if any(i >= deploys for i in indices):
            raise _Bad(f"{name} names a deploy the partial does not list")
        deploy_set.update(indices)
    tally.commits = _field(document, "commits", int)
    tally.ai_commits = _field(document, "ai_commits", int)
    tally.reverted_ai = _field(document, "reverted_ai", int)
    tally.reverted_human = _field(document, "reverted_human", int)
    people = _field(document, "people", list)
    if not all(isinstance(p, str) and len(p) == 64 for p in people):
        raise _Bad("people must be hashed keys")
    tally.people.update(people)
    for name, leads in (("ai_lead_seconds", tally.ai_lead),
                        ("human_lead_seconds", tally.human_lead)):  # fmt: skip
        values = _field(document, name, list)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
                   for v in values):  # fmt: skip
            raise _Bad(f"{name} must be a list of non-negative seconds")
        leads.extend(float(v) for v in values)
    tools = _field(document, "tools", dict)
    if not all(isinstance(k, str) and isinstance(v, int) for k, v in tools.items()):
        raise _Bad("tools must map tool ids to counts")
    tally.tools.update(tools)
    return tally


def from_json(text: str, *, name: str) -> Partial:
    """A partial read back; anything malformed is one clear error naming the file."""
    try:
        document = json.loads(text)
        if not isinstance(document, dict) or document.get("schema") != SCHEMA:
            raise _Bad(f"not a deploycount partial (schema {SCHEMA})")
        rows = [validated(DeploymentRow, row) for row in _field(document, "deployments", list)]
        tallies_doc = _field(document, "tallies", dict)
        tallies = Tallies()
        tallies.totals = _tally_from(tallies_doc.get("all"), len(rows))
        for team, tally in _field(tallies_doc, "teams", dict).items():
            tallies.by_team[str(team)] = _tally_from(tally, len(rows))
        teams = []
        for team in _field(document, "teams", list):
            size = team.get("size") if isinstance(team, dict) else None
            if (
                not isinstance(team, dict)
                or not isinstance(team.get("name"), str)
                or not (size is None or (isinstance(size, int) and size >= 0))
            ):
                raise _Bad("teams must be objects with a name and an optional size")
            teams.append((team["name"], size))
        warnings = _field(document, "warnings", list)
        return Partial(
            repository=_field(document, "repository", str),
            environment=_field(document, "environment", str),
            deploy_source=_field(document, "deploy_source", str),
            since=_field(document, "since", str),
            until=_field(document, "until", str),
            weeks=float(_field(document, "weeks", (int, float))),
            min_team_size=_field(document, "min_team_size", int),
            teams=teams,
            tallies=tallies,
            deployments=rows,
            rollbacks=_field(document, "rollbacks", int),
            failed_deployments=_field(document, "failed_deployments", int),
            warnings=[str(w) for w in warnings],
            key_id=_field(document, "people_key_id", str),
        )
    except (ValueError, TypeError, AttributeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(f"{name}: not a valid partial report ({reason})") from None


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


# -- merging ----------------------------------------------------------------------------------


def _absorb(into: Tally, tally: Tally, remap: Sequence[int]) -> None:
    into.deployments.update(remap[i] for i in tally.deployments)
    into.ai_deployments.update(remap[i] for i in tally.ai_deployments)
    into.commits += tally.commits
    into.ai_commits += tally.ai_commits
    into.people |= tally.people
    into.ai_lead += tally.ai_lead
    into.human_lead += tally.human_lead
    into.reverted_ai += tally.reverted_ai
    into.reverted_human += tally.reverted_human
    into.tools.update(tally.tools)


def merge(partials: Sequence[Partial]) -> Report:
    """One report from many repositories: deploys add up, each person counts once, lead times
    and reverts are over every commit, and the privacy floor applies to the merged teams."""
    if not partials:
        raise UsageError("merge needs at least one partial report")
    first = partials[0]
    for partial in partials[1:]:
        if (partial.environment, partial.since, partial.until) != (
            first.environment, first.since, first.until,
        ):  # fmt: skip
            raise UsageError(
                f"{partial.repository} covers {partial.environment} {partial.since} → "
                f"{partial.until} but {first.repository} covers {first.environment} "
                f"{first.since} → {first.until}: make every partial with the same --env, "
                "--since and --until"
            )
        if partial.key_id != first.key_id:
            raise UsageError(
                f"{partial.repository} hashed its people with another DEPLOYCOUNT_PEOPLE_KEY "
                f"than {first.repository}: the same person would count twice; use one key"
            )
    repositories = [p.repository for p in partials]
    if len(set(repositories)) != len(repositories):
        twice = sorted(name for name, n in Counter(repositories).items() if n > 1)
        raise UsageError(f"{', '.join(twice)}: given more than once (it would count twice)")

    # Deploy rows of every repository in time order; each partial's indices follow them.
    order = sorted(
        ((row.time, number, index) for number, p in enumerate(partials)
         for index, row in enumerate(p.deployments)),
    )  # fmt: skip
    remaps = [[0] * len(p.deployments) for p in partials]
    rows = []
    for new, (_, number, index) in enumerate(order):
        remaps[number][index] = new
        rows.append(partials[number].deployments[index])
    tallies = Tallies()
    for number, partial in enumerate(partials):
        _absorb(tallies.totals, partial.tallies.totals, remaps[number])
        for team, tally in partial.tallies.by_team.items():
            _absorb(tallies.by_team[team], tally, remaps[number])

    teams: dict[str, int | None] = {}
    warnings = []
    for partial in partials:
        for name, size in partial.teams:
            if name in teams and teams[name] != size:
                warnings.append(
                    f"team {name} is declared with size {teams[name]} in one repository and "
                    f"{size} in {partial.repository}: using {teams[name]}"
                )
            teams.setdefault(name, size)
        label = f"{partial.repository}: " if len(partials) > 1 else ""
        warnings += [label + warning for warning in partial.warnings]
    floors = {p.min_team_size for p in partials}
    if len(floors) > 1:
        warnings.append(
            f"the partials use different privacy floors ({', '.join(map(str, sorted(floors)))}): "
            "the strictest applies"
        )
    sources = list(dict.fromkeys(p.deploy_source for p in partials))
    merged = Partial(
        repository=repository_label(repositories),
        environment=first.environment,
        deploy_source=", ".join(sources),
        since=first.since,
        until=first.until,
        weeks=first.weeks,
        min_team_size=max(floors),
        teams=list(teams.items()),
        tallies=tallies,
        deployments=rows,
        rollbacks=sum(p.rollbacks for p in partials),
        failed_deployments=sum(p.failed_deployments for p in partials),
        warnings=warnings,
        key_id=first.key_id,
    )
    return report_of(merged, repositories)
