"""Who wrote a commit, and how sure a signal is: the two small types every layer passes around,
kept apart from attribution so that history, teams and renderers need not import it."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class Confidence(IntEnum):
    """How sure a signal is that the commit is AI-assisted; ordered so `>=` compares strength."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Confidence:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown confidence {text!r}: use low, medium or high") from None


class Person(NamedTuple):
    """A name and an email as written in a commit or a trailer (a tuple: cheap to make and hash)."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
