"""`file:PATH`: events exported from any CD system, as a JSON array or NDJSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from deploycount.deploys.base import EventRecord, LoadedEvents, describe_validation_error
from deploycount.errors import DeployInputError

if TYPE_CHECKING:
    from deploycount.history import Repository

_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class FileSource:
    """Every event is validated; the first bad one stops the report with its line number."""

    path: str

    @property
    def spec(self) -> str:
        return f"file:{self.path}"

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        path = Path(self.path)
        if not path.is_absolute() and not path.exists():
            path = repo.root / path
        try:
            if path.stat().st_size > _MAX_BYTES:
                raise DeployInputError(f"{self.path}: larger than 256 MiB, split the export")
            data = path.read_bytes()
        except OSError as error:
            raise DeployInputError(
                f"cannot read deploy events from {self.path}: {error.strerror}"
            ) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DeployInputError(f"{self.path}: not UTF-8 text ({error.reason})") from None
        events = [
            record.to_event()
            for record in parse_event_records(text, self.path)
            if record.environment == environment
        ]
        return LoadedEvents(events)


def parse_event_records(text: str, label: str) -> list[EventRecord]:
    """A JSON array or NDJSON; raises DeployInputError naming the line of the first bad event."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as error:
            raise DeployInputError(f"{label}:{error.lineno}: not valid JSON: {error.msg}") from None
        lines = _element_lines(text, len(items)) if isinstance(items, list) else []
        return [_validate(item, label, line) for item, line in zip(items, lines, strict=True)]
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise DeployInputError(f"{label}:{number}: not valid JSON: {error.msg}") from None
        records.append(_validate(item, label, number))
    return records


def _validate(item: Any, label: str, line: int) -> EventRecord:
    if not isinstance(item, dict):
        raise DeployInputError(f"{label}:{line}: a deploy event must be a JSON object")
    try:
        return EventRecord.model_validate(item)
    except ValidationError as error:
        raise DeployInputError(
            f"{label}:{line}: invalid deploy event: {describe_validation_error(error)}"
        ) from None


def _element_lines(text: str, count: int) -> list[int]:
    """The line on which each top-level element of a JSON array starts."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    lines = []
    for _ in range(count):
        while text[position] in " \t\r\n,":
            position += 1
        lines.append(text.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(text, position)
    return lines
