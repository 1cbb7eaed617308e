"""The wire form of a deploy event (a line of the notes ledger, an element of an events file),
checked by pydantic. Imported only when events are read (`base.read_event`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from deploycount.checks import first_problem
from deploycount.deploys.base import DeployEvent, Status
from deploycount.options import DEFAULT_ENVIRONMENT


class EventRecord(BaseModel):
    """The wire form of an event in a file or the notes ledger; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]
    sha: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{4,64}$")]
    environment: Annotated[
        str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)
    ] = DEFAULT_ENVIRONMENT
    time: AwareDatetime
    status: Status = "success"
    service: Annotated[str, StringConstraints(max_length=256, strip_whitespace=True)] = ""

    @field_validator("service", mode="before")
    @classmethod
    def _no_service(cls, value: object) -> object:
        """A report's own deployment rows say `"service": null` without [services]: what the
        tool writes, it reads back."""
        return "" if value is None else value

    @field_validator("time")
    @classmethod
    def _representable_in_utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is outside the calendar once turned into UTC") from None

    def to_event(self) -> DeployEvent:
        return DeployEvent(
            id=self.id,
            sha=self.sha.lower(),
            environment=self.environment,
            time=self.time.astimezone(UTC),
            status=self.status,
            service=self.service,
        )


def check_event(item: Mapping[str, object]) -> EventRecord:
    """`item` as an EventRecord, or Invalid naming the first problem as `field: reason`."""
    try:
        return EventRecord.model_validate(item)
    except ValidationError as error:
        raise first_problem(error, "event") from None
