"""Pure: the providers' usage and cost records, as each one documents them, turned into one kind
of usage: a day, who (a person's email or `@login`) or what (a workspace, project or API key),
a cost in millionths of a currency unit, and tokens by kind. docs/cost.md has each mapping.

Every reader takes records already parsed from JSON (or CSV rows as dicts) with where each came
from, and yields `Usage`; a record that does not fit raises Invalid naming its field. The key of
each usage says what a duplicate is: the same key twice with the same figures is one record
exported twice; with other figures it is a conflict.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from deploycount.checks import Invalid, digits, kind_of

MICRO = 1_000_000  # costs are kept in millionths of the currency's unit, so sums are exact
_TENS = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)
_MAX_COST = 10**9  # one record of a billion (dollars, euros): not a real day of AI spend
_MAX_TOKENS = 10**15


class Usage(NamedTuple):
    """One record's spend: `person` (lower-cased email, or `@login`) or `key` (workspace,
    project, API key); `cost` in millionths of `currency`; tokens input, output, cache reads,
    cache writes. `key_of` tells duplicates apart. (A named tuple: 730,000 records are made
    in a year's export of 2,000 people, and a frozen dataclass takes three times as long.)"""

    day: date
    person: str
    key: str
    cost: int
    currency: str
    tokens: tuple[int, int, int, int]
    key_of: tuple[object, ...]


def _day(value: object, field: str) -> date:
    """`2026-10-01`, or an RFC 3339 time whose UTC date is taken."""
    if not isinstance(value, str):
        raise Invalid(field, f"must be a date (YYYY-MM-DD), not {kind_of(value)}")
    return _parsed_day(value, field)


@lru_cache(maxsize=4096)  # an export names a few hundred days, each thousands of times
def _parsed_day(value: str, field: str) -> date:
    try:
        if len(value) <= 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    except ValueError:
        raise Invalid(field, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


def _unix_day(value: object, field: str) -> date:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**37:
        raise Invalid(field, f"must be a Unix time in seconds, not {kind_of(value)}")
    return datetime.fromtimestamp(value, UTC).date()


def _text(value: object, field: str, *, empty: bool = False) -> str:
    if value is None and empty:
        return ""
    if not isinstance(value, str) or (not value.strip() and not empty):
        raise Invalid(field, f"must be text, not {kind_of(value)}")
    if len(value) > 512:
        raise Invalid(field, "is longer than 512 characters")
    return value.strip()


def _count(value: object, field: str) -> int:
    if type(value) is int and 0 <= value <= _MAX_TOKENS:
        return value
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, f"must be a whole number of tokens, not {kind_of(value)}")
    if not 0 <= value <= _MAX_TOKENS:
        raise Invalid(field, f"{value} is not a number of tokens")
    return value


def amount(value: object, field: str, *, scale: int) -> int:
    """An amount (a JSON number, or a decimal in a string: "123.45"), `scale` millionths per
    unit it is written in (cents: 10,000), as millionths of the currency; negative, absurd or
    not a number: Invalid."""
    if type(value) is int and 0 <= value <= _MAX_COST * MICRO // scale:
        return value * scale  # the common cases, without Decimal
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Invalid(field, f"must be an amount, not {kind_of(value)}")
    whole, _, fraction = value.partition(".") if isinstance(value, str) else ("", "", "")
    if (
        whole.isdigit()
        and len(whole) < 16
        and (not fraction or fraction.isdigit())
        and (
            len(fraction) <= 6  # "12.34": read without Decimal
        )
    ):
        unit = _TENS[len(fraction)]
        if scale % unit == 0 and whole.isascii() and fraction.isascii():
            micro = (int(whole) * unit + int(fraction or 0)) * (scale // unit)
            if micro <= _MAX_COST * MICRO:
                return micro
    try:
        exact = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(field, f"{str(value)[:40]!r} is not an amount") from None
    if not exact.is_finite():
        raise Invalid(field, f"{value!r} is not an amount")
    if exact < 0:
        raise Invalid(field, "is negative: refunds and credits are not AI spend")
    micro = int((exact * scale).to_integral_value())
    if micro > _MAX_COST * MICRO:
        raise Invalid(field, "is more than a billion for one record")
    return micro


def currency(value: object, field: str) -> str:
    if isinstance(value, str):
        return _currency(value, field)
    raise Invalid(field, f"must be text, not {kind_of(value)}")


@lru_cache(maxsize=64)
def _currency(value: str, field: str) -> str:
    code = _text(value, field).upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        raise Invalid(field, f"{code[:12]!r} is not an ISO 4217 currency code (USD, EUR)")
    return code


def _email(value: object, field: str) -> str:
    if isinstance(value, str):
        return _address(value, field)
    raise Invalid(field, f"must be text, not {kind_of(value)}")


@lru_cache(maxsize=65536)  # each person's address comes back every day
def _address(value: str, field: str) -> str:
    text = _text(value, field).lower()
    if "@" not in text:
        raise Invalid(field, "is not an email address")
    return text


def _object(value: object, field: str) -> Mapping[str, object]:
    if not isinstance(value, dict):  # records are read from JSON
        raise Invalid(field, f"must be an object, not {kind_of(value)}")
    return value


def _list(value: object, field: str) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(field, f"must be a list, not {kind_of(value)}")
    return value


# -- Anthropic: the Claude Code analytics report -------------------------------------------------


def claude_code(record: object) -> Iterator[Usage]:
    """A record of `GET /v1/organizations/usage_report/claude_code`: one actor's day, a row per
    model of `model_breakdown` (tokens: input, output, cache_read, cache_creation, the last a
    number or the 5-minute and 1-hour parts; `estimated_cost.amount` in cents)."""
    item = _object(record, "record")
    day = _day(item.get("date"), "date")
    actor = _object(item.get("actor"), "actor")
    kind = actor.get("type")
    if kind == "user_actor":
        person, key = _email(actor.get("email_address"), "actor.email_address"), ""
    elif kind == "api_actor":
        person, key = "", _text(actor.get("api_key_name"), "actor.api_key_name")
    else:
        raise Invalid("actor.type", f"must be user_actor or api_actor, not {str(kind)[:40]!r}")
    for number, part in enumerate(_list(item.get("model_breakdown"), "model_breakdown")):
        try:
            yield _claude_code_model(day, person, key, part)
        except Invalid as error:  # the field's path is spelled out only when it is wrong
            field = f"model_breakdown.{number}.{error.field}".rstrip(".")
            raise Invalid(field, error.reason) from None


def _claude_code_model(day: date, person: str, key: str, part: object) -> Usage:
    """One model's row of a Claude Code record; fields named from the row."""
    entry = _object(part, "")
    model = _text(entry.get("model"), "model", empty=True)
    tokens = _object(entry.get("tokens") or {}, "tokens")
    writes = tokens.get("cache_creation")
    written = 0
    for value in writes.values() if isinstance(writes, dict) else (writes,):
        written += _count(value, "tokens.cache_creation")
    cost = _object(entry.get("estimated_cost") or {}, "estimated_cost")
    return Usage(
        day,
        person,
        key,
        amount(cost.get("amount", 0), "estimated_cost.amount", scale=10_000),
        currency(cost.get("currency", "USD"), "estimated_cost.currency"),
        (
            _count(tokens.get("input"), "tokens.input"),
            _count(tokens.get("output"), "tokens.output"),
            _count(tokens.get("cache_read"), "tokens.cache_read"),
            written,
        ),
        ("claude-code", day, person or key, model),
    )


# -- Anthropic: the organisation cost report -----------------------------------------------------


def anthropic_cost(bucket: object) -> Iterator[Usage]:
    """A bucket of `GET /v1/organizations/cost_report` (a day: `starting_at`, `results`), each
    result an `amount` in cents as a decimal string ("123.45" USD is $1.23) of a workspace (null:
    the default workspace)."""
    item = _object(bucket, "bucket")
    day = _day(item.get("starting_at"), "starting_at")
    for number, part in enumerate(_list(item.get("results"), "results")):
        where = f"results.{number}."
        result = _object(part, where.rstrip("."))
        workspace = _text(result.get("workspace_id"), where + "workspace_id", empty=True)
        described = tuple(
            str(result.get(name))
            for name in ("description", "model", "cost_type", "token_type", "service_tier",
                         "context_window")
        )  # fmt: skip
        yield Usage(
            day=day,
            person="",
            key=workspace or "default",
            cost=amount(result.get("amount"), where + "amount", scale=10_000),
            currency=currency(result.get("currency"), where + "currency"),
            tokens=(0, 0, 0, 0),
            key_of=("anthropic-cost", day, workspace, *described),
        )


# -- OpenAI: the organisation costs report -------------------------------------------------------


def openai_costs(bucket: object) -> Iterator[Usage]:
    """A bucket of `GET /v1/organization/costs` (`start_time` in Unix seconds, a day with
    `bucket_width=1d`), each result `amount.value` in the currency's unit (dollars) of a project
    (null: no project) and a line item."""
    item = _object(bucket, "bucket")
    day = _unix_day(item.get("start_time"), "start_time")
    for number, part in enumerate(_list(item.get("results"), "results")):
        where = f"results.{number}."
        result = _object(part, where.rstrip("."))
        money = _object(result.get("amount"), where + "amount")
        project = _text(result.get("project_id"), where + "project_id", empty=True)
        yield Usage(
            day=day,
            person="",
            key=project or "default",
            cost=amount(money.get("value"), where + "amount.value", scale=MICRO),
            currency=currency(money.get("currency"), where + "amount.currency"),
            tokens=(0, 0, 0, 0),
            key_of=("openai-costs", day, project, str(result.get("line_item"))),
        )


# -- GitHub Copilot: the per-user usage-metrics report -------------------------------------------


def copilot(record: object, *, credit: int) -> Iterator[Usage]:
    """A record of the per-user Copilot usage-metrics report (`users-1-day`, NDJSON): a
    user's day, its `ai_credits_used` at `credit` millionths of a dollar each, and the CLI's
    prompt and output tokens when it reports them."""
    item = _object(record, "record")
    day = _day(item.get("day"), "day")
    login = _text(item.get("user_login"), "user_login").lower()
    credits_used = amount(item.get("ai_credits_used") or 0, "ai_credits_used", scale=MICRO)
    cli = item.get("totals_by_cli")
    usage = cli.get("token_usage") if isinstance(cli, Mapping) else None
    usage = usage if isinstance(usage, Mapping) else {}
    yield Usage(
        day=day,
        person=f"@{login}",
        key="",
        cost=credits_used * credit // MICRO,
        currency="USD",
        tokens=(
            _count(usage.get("prompt_tokens_sum"), "totals_by_cli.token_usage.prompt_tokens_sum"),
            _count(usage.get("output_tokens_sum"), "totals_by_cli.token_usage.output_tokens_sum"),
            0,
            0,
        ),
        key_of=("copilot", day, login),
    )


# -- anything else: the generic format -----------------------------------------------------------

GENERIC_FIELDS = (
    "day", "user", "key", "model", "input_tokens", "output_tokens", "cache_read_tokens",
    "cache_write_tokens", "cost", "currency",
)  # fmt: skip
_GENERIC = frozenset(GENERIC_FIELDS)


def _csv_count(value: object, field: str) -> int:
    """A token count from JSON (a number) or CSV (text, empty for none)."""
    if isinstance(value, str):
        if value.isascii() and value.isdigit() and len(value) < 16:
            return int(value)  # the common case first: a year of rows has millions
        text = value.strip()
        if not text:
            return 0
        count = digits(text)
        if count is None:
            if not text.isascii() or not text.isdigit():
                raise Invalid(field, f"{text[:40]!r} is not a whole number of tokens")
            raise Invalid(field, "is not a number of tokens")
        return _count(count, field)
    return _count(value, field)


def generic(record: object) -> Iterator[Usage]:
    """A row of the generic JSONL or CSV: `day`, `user` (an email) or `key` (any id: a workspace,
    a project, a gateway's key), `model`, the four token counts, `cost` in the currency's unit
    and `currency`."""
    item = _object(record, "row")
    if not item.keys() <= _GENERIC:
        unknown = set(item) - _GENERIC
        raise Invalid(
            sorted(unknown)[0], f"is not a field of the format ({', '.join(GENERIC_FIELDS)})"
        )
    day = _day(item.get("day"), "day")
    user = item.get("user") or ""
    key = item.get("key") or ""
    if bool(user) == bool(key):
        raise Invalid("user", "give exactly one of user (an email) and key")
    person = _email(user, "user") if user else ""
    model = _text(item.get("model"), "model", empty=True)
    yield Usage(
        day=day,
        person=person,
        key=_text(key, "key") if key else "",
        cost=amount(item.get("cost"), "cost", scale=MICRO),
        currency=currency(item.get("currency"), "currency"),
        tokens=(
            _csv_count(item.get("input_tokens"), "input_tokens"),
            _csv_count(item.get("output_tokens"), "output_tokens"),
            _csv_count(item.get("cache_read_tokens"), "cache_read_tokens"),
            _csv_count(item.get("cache_write_tokens"), "cache_write_tokens"),
        ),
        key_of=("generic", day, person or key, model),
    )


class CsvColumns:
    """Where each field of the generic format sits in a CSV's rows (its header), so that a
    year of a large organisation's rows is read without a dict per row."""

    def __init__(self, header: list[str]) -> None:
        self.size = len(header)
        # a field the header lacks reads the empty cell appended to every row
        self.fields = itemgetter(
            *(header.index(name) if name in header else self.size for name in GENERIC_FIELDS)
        )

    def usage(self, cells: list[str]) -> Usage:
        """A row as `generic` reads it (the same checks and messages), from its cells."""
        cells.append("")
        day_, user, key, model, tokens_in, tokens_out, reads, writes, cost, unit = self.fields(
            cells
        )
        day = _day(day_, "day")
        if bool(user) == bool(key):
            raise Invalid("user", "give exactly one of user (an email) and key")
        person = _email(user, "user") if user else ""
        return Usage(
            day,
            person,
            _text(key, "key") if key else "",
            amount(cost, "cost", scale=MICRO),
            currency(unit, "currency"),
            (
                _csv_count(tokens_in, "input_tokens"),
                _csv_count(tokens_out, "output_tokens"),
                _csv_count(reads, "cache_read_tokens"),
                _csv_count(writes, "cache_write_tokens"),
            ),
            ("generic", day, person or key, model.strip()),
        )  # fmt: skip
