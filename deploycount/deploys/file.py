"""`file:PATH`: events exported from any CD system, as a JSON array or NDJSON."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deploycount.checks import Invalid, NotJson, json_lines, json_value, said
from deploycount.deploys.base import LoadedEvents
from deploycount.errors import DeployInputError

if TYPE_CHECKING:
    from deploycount.deploys.records import EventRecord
    from deploycount.repository import Repository

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
        data = read_capped(path, self.path)
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


def read_capped(path: Path, label: str) -> bytes:
    """The bytes of a regular file, at most 256 MiB. Devices (`/dev/zero`), FIFOs (which block
    until a writer comes) and directories are refused before they are opened; the cap applies
    to what is read, not to what `stat` says."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DeployInputError(
                f"{label}: not a regular file (a device, a pipe or a directory): export the "
                "events to a file"
            )
        with path.open("rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError as error:
        raise DeployInputError(
            f"cannot read deploy events from {label}: {error.strerror}"
        ) from None
    if len(data) > _MAX_BYTES:
        raise DeployInputError(f"{label}: larger than 256 MiB, split the export")
    return data


def parse_event_records(text: str, label: str) -> list[EventRecord]:
    """A JSON array or NDJSON; raises DeployInputError naming the line of the first bad event.

    Linear in the size of the file: the array is parsed once, and line numbers are worked out
    only for the element that fails."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json_value(text)
        except NotJson as error:
            raise DeployInputError(_not_json(label, error)) from None
        if not isinstance(items, list):
            raise DeployInputError(f"{label}:1: a JSON array of deploy events was expected")
        records = []
        for index, item in enumerate(items):
            try:
                records.append(_validate(item, label, 0))
            except DeployInputError:
                # Validate again with the element's line, found by one scan of the text.
                _validate(item, label, _element_line(text, index))
        return records
    try:
        return [_validate(item, label, number) for number, item in json_lines(text)]
    except NotJson as error:
        raise DeployInputError(_not_json(label, error)) from None


def _not_json(label: str, error: NotJson) -> str:
    return f"{label}{f':{error.line}' if error.line else ''}: not valid JSON: {error.reason}"


def _validate(item: Any, label: str, line: int) -> EventRecord:
    if not isinstance(item, dict):
        raise DeployInputError(f"{label}:{line}: a deploy event must be a JSON object")
    from deploycount.deploys.records import check_event  # noqa: PLC0415 - pydantic loads with the first event

    try:
        return check_event(item)
    except Invalid as error:
        raise DeployInputError(said(f"{label}:{line}", error)) from None


def _element_line(text: str, index: int) -> int:
    """The line on which element `index` of the top-level JSON array starts."""
    decoder = json.JSONDecoder()
    position = text.index("[") + 1
    line = 1 + text.count("\n", 0, position)
    for number in range(index + 1):
        start = position
        while text[position] in " \t\r\n,":
            position += 1
        line += text.count("\n", start, position)
        if number == index:
            return line
        _, end = decoder.raw_decode(text, position)
        line += text.count("\n", position, end)
        position = end
    return line
