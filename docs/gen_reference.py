"""Writes docs/reference/config.md from the config model (`deploycount/config.py`): every key of
`.deploycount.toml`, its TOML type and what the file's absence means. `tests/test_docs.py` fails
when the committed page differs from what this prints, so the reference cannot drift.

    python docs/gen_reference.py > docs/reference/config.md
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator

from deploycount import config, options

# What a key left out of the file means, where that is not the dataclass default (None): the
# defaults live in options.py, defined once.
EFFECTIVE = {
    "report.since": options.DEFAULT_SINCE,
    "report.until": options.DEFAULT_UNTIL,
    "report.env": options.DEFAULT_ENVIRONMENT,
    "report.format": options.DEFAULT_REPORT_FORMAT,
    "deploys.source": (
        f"notes when the ledger has events of the environment, else {options.DEFAULT_DEPLOYS}"
    ),
    "deploys.remote": options.DEFAULT_REMOTE,
    "attribution.min_confidence": options.DEFAULT_MIN_CONFIDENCE,
    "push.timeout": f"{options.DEFAULT_TIMEOUT:g}",
    "push.max_retry_seconds": f"{options.DEFAULT_MAX_RETRY_SECONDS:g}",
    "push.otlp_protocol": f"$OTEL_EXPORTER_OTLP_PROTOCOL, else {options.DEFAULT_OTLP_PROTOCOL}",
    "services.tags": "events of the deploy source whose service is NAME",
    "services.teams": "each commit counts for its author's team",
}
TABLES = {  # how each section is written in the file
    "report": "[report]",
    "deploys": "[deploys]",
    "attribution": "[attribution]",
    "push": "[push]",
    "team_sources": "[teams]",
    "teams": "[teams.NAME]",
    "services": "[services.NAME]",
    "privacy": "[privacy]",
    "release_commits": "[release_commits]",
    "outcomes": "[outcomes]",
    "spend": "[spend]",
}


def toml_type(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (list,):
        return "array of strings"
    if origin in (dict,):
        return "table"
    if arguments and origin is not None:
        return toml_type(arguments[0])
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        annotation,
        getattr(annotation, "__name__", str(annotation)),  # type: ignore[call-overload]
    )


def rows(section: type, prefix: str) -> Iterator[str]:
    hints = typing.get_type_hints(section)
    for field in dataclasses.fields(section):
        key = f"{prefix}.{field.name}"
        if field.default is not dataclasses.MISSING and field.default is not None:
            default = str(field.default)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            default = "required"
        else:
            default = EFFECTIVE.get(key, "—")
        yield f"| `{field.name}` | {toml_type(hints[field.name])} | {default} |"


def config_reference() -> str:
    lines = [
        "# Configuration reference",
        "",
        "Generated from `deploycount/config.py` by `docs/gen_reference.py`; every key is checked",
        "as the table says when the file is read, and an unknown key is an error naming it.",
        "",
    ]
    hints = typing.get_type_hints(config.FileConfig)
    for field in dataclasses.fields(config.FileConfig):
        annotation = hints[field.name]
        section = (
            typing.get_args(annotation)[1] if typing.get_origin(annotation) is dict else annotation
        )
        doc = " ".join((section.__doc__ or "").split())
        lines += [f"## `{TABLES[field.name]}`", "", doc, "", "| key | type | when left out |",
                  "|---|---|---|", *rows(section, field.name), ""]  # fmt: skip
        if section is config.AttributionSection:
            tool = config.ToolSection
            lines += ["### `[attribution.tools.ID]`", "", " ".join((tool.__doc__ or "").split()),
                      "", "| key | type | when left out |", "|---|---|---|",
                      *rows(tool, "attribution.tools"), ""]  # fmt: skip
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(config_reference(), end="")
