"""What the AI-assisted work cost (docs/cost.md "What it cost"): spend read from the providers'
own exports and APIs, summed per team and day as it is read, never kept per person.

    --spend SPEC (files, APIs)  ->  Usage records (`formats`)  ->  one per key (duplicates
    dropped, conflicts refused)  ->  the team of each (members, [spend] team_of)  ->  sums per
    team and day (`SpendTable`)  ->  the report's figures (`figures`)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from deploycount.checks import Invalid, said
from deploycount.errors import UsageError
from deploycount.spend import formats
from deploycount.spend.formats import Usage

FILE_KINDS = ("claude-code", "anthropic-cost", "openai-costs", "copilot", "file")
API_KINDS = ("claude-code", "anthropic-cost", "openai-costs", "copilot")


@dataclass(frozen=True)
class SpendSpec:
    """`KIND:PATH` reads a file in KIND's format (`file:` is the generic one); a bare KIND asks
    the provider's API for the window."""

    kind: str
    path: str | None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.path}" if self.path is not None else self.kind


def parse_spec(text: str) -> SpendSpec:
    kind, colon, path = text.partition(":")
    kind = kind.strip().lower()
    if colon and kind in FILE_KINDS and path.strip():
        return SpendSpec(kind, path.strip())
    if not colon and kind in API_KINDS:
        return SpendSpec(kind, None)
    raise UsageError(
        f"--spend {text[:80]!r}: expected KIND:FILE with KIND one of {', '.join(FILE_KINDS)} "
        f"(file: the generic format), or one of {', '.join(API_KINDS)} for the provider's API"
    )


@dataclass
class SpendTable:
    """Spend summed per (team, day) as it is read: cost in millionths of `currency`, and tokens
    input, output, cache reads, cache writes. Nothing per person is kept."""

    since: date
    until: date  # exclusive
    currency: str | None = None
    cells: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    read: int = 0  # records in the window
    duplicates: int = 0
    outside: int = 0  # records of days outside the window
    # each record's key and figures as two hashes: duplicates found without keeping records
    _seen: dict[int, int] = field(default_factory=dict, repr=False)
    # per team, the people (hashed) whose records it holds: a team's spend is shown only when
    # it is not one or two people's (the privacy floor, counted on the spenders)
    spenders: defaultdict[str, set[int]] = field(
        default_factory=lambda: defaultdict(set), repr=False
    )

    def add(self, usage: Usage, team: str) -> None:
        """Add one record to its team's day: a record outside the window is counted and left
        out; the same key again with the same figures is a duplicate (an export read twice),
        with other figures a conflict (Invalid, which never names the figures: they are one
        person's spend)."""
        day, person, _, cost, unit, tokens, key_of = usage
        if not self.since <= day < self.until:
            self.outside += 1
            return
        key, value = hash(key_of), hash((cost, unit, tokens))
        known = self._seen.get(key)
        if known is not None:
            if known != value:
                raise Invalid(
                    "record", "repeats an earlier record's day, who and model with other figures"
                )
            self.duplicates += 1
            return
        self._seen[key] = value
        if unit != self.currency:
            if self.currency is not None:
                raise Invalid(
                    "currency",
                    f"{unit} beside {self.currency}: one report adds up one currency; "
                    "convert the export, or report each currency apart",
                )
            self.currency = unit
        if person:
            self.spenders[team].add(hash(person))
        cell = self.cells.get((team, day))
        if cell is None:
            cell = self.cells[(team, day)] = [0, 0, 0, 0, 0]
        cell[0] += cost
        cell[1] += tokens[0]
        cell[2] += tokens[1]
        cell[3] += tokens[2]
        cell[4] += tokens[3]
        self.read += 1

    def total(self, teams: Iterable[str] | None, since: date, until: date) -> list[int]:
        """Cost and tokens of `teams` (None: all) over the days `since` to `until`."""
        wanted = None if teams is None else set(teams)
        sums = [0, 0, 0, 0, 0]
        for (team, day), cell in self.cells.items():
            if since <= day < until and (wanted is None or team in wanted):
                for index, value in enumerate(cell):
                    sums[index] += value
        return sums


TeamOf = Callable[[str, str], str]  # (person, key) -> the team its spend goes to
Where = str | int  # a record's place in its file or answer: its line, or page and item


def readers(credit: int) -> dict[str, Callable[[object], Iterator[Usage]]]:
    """Each kind's reader of one record (or, for the cost reports, one day's bucket)."""
    return {
        "claude-code": formats.claude_code,
        "anthropic-cost": formats.anthropic_cost,
        "openai-costs": formats.openai_costs,
        "copilot": lambda record: formats.copilot(record, credit=credit),
        "file": _generic,
    }


def _generic(record: object) -> Iterator[Usage]:
    """The generic format: a CSV row comes read already (`_csv`), a JSON one is read here."""
    if isinstance(record, Usage):
        yield record
    else:
        yield from formats.generic(record)


def load_spend(
    specs: Sequence[SpendSpec],
    *,
    since: date,
    until: date,
    team_of: TeamOf,
    credit: int,
    environ: Mapping[str, str],
    log: Callable[[str], None] | None = None,
) -> SpendTable:
    """The spend of every source for the days `since` to `until` (exclusive), per team and
    day. A file that does not fit is one line naming it and the line (UsageError); an API that
    fails or answers out of its documented form, one line too (ExternalServiceError)."""
    table = SpendTable(since, until)
    read = readers(credit)
    teams: dict[tuple[str, str], str] = {}  # a person's team, looked up once, not every day
    for spec in specs:
        table.sources.append(spec.label)
        reader = read[spec.kind]
        records: Iterator[tuple[Where, object]]
        if spec.path is None:
            from deploycount.spend.api import fetch  # noqa: PLC0415 - requests only when asked

            records = fetch(spec.kind, since, until, environ, log=log)
        else:
            from deploycount.spend.files import read_records  # noqa: PLC0415 - with a file only

            records = read_records(Path(spec.path), spec.label, csv_rows=spec.kind == "file")
        for where, record in records:
            try:
                for usage in (record,) if isinstance(record, Usage) else reader(record):
                    who = (usage.person, usage.key)
                    team = teams.get(who)
                    if team is None:
                        team = teams[who] = team_of(*who)
                    table.add(usage, team)
            except Invalid as error:
                if spec.path is None:
                    from deploycount.errors import ExternalServiceError  # noqa: PLC0415

                    raise ExternalServiceError(
                        said(f"the {spec.kind} API's answer ({where})", error)
                    ) from None
                raise UsageError(said(f"{spec.label}:{where}", error)) from None
    return table
