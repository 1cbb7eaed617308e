"""Is a commit AI-assisted? Pure functions from a commit's message and identities to signals.

Every marker README "Attribution" lists becomes a `Signal` with a confidence; a commit is
AI-assisted when one of its signals reaches the minimum confidence, unless the developer declared
`AI-Assisted: no`. The tables of identities and markers live in `data/markers.toml` and can be
extended from config through `Markers.extended`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from importlib import resources
from typing import NamedTuple

from deploycount.trailers import parse_trailers

OTHER_TOOL = "other"
TOOL_IDS = (
    "claude-code", "copilot", "cursor", "aider", "codex", "gemini", "jules", "devin",
    "openhands", "amp", "opencode", "amazon-q", "replit", OTHER_TOOL,
)  # fmt: skip

_NOREPLY_SUFFIX = "@users.noreply.github.com"
_DECLARED_NO = frozenset({"no", "false", "none"})
_DECLARED_YES = frozenset({"yes", "true"})
_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
_ASSISTED_KEYS = frozenset({"assisted-by", "generated-by"})
_CO_AUTHOR_KEYS = frozenset({"co-authored-by", "co-developed-by"})
_FOOTER_PREFIX_MAX = 8


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


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: which marker, which tool it names, how strong, and the text seen."""

    signal: str
    tool: str | None
    confidence: Confidence
    detail: str


@dataclass(frozen=True, slots=True)
class Attribution:
    """Everything attribution learned about one commit."""

    signals: tuple[Signal, ...] = ()
    declared_not_assisted: bool = False
    co_authors: tuple[Person, ...] = ()

    def counting_signals(self, minimum: Confidence) -> tuple[Signal, ...]:
        if self.declared_not_assisted:
            return ()
        return tuple(s for s in self.signals if s.tool is not None and s.confidence >= minimum)

    def is_ai(self, minimum: Confidence) -> bool:
        return bool(self.counting_signals(minimum))

    def tools(self, minimum: Confidence) -> tuple[str, ...]:
        """Canonical tool ids at `minimum`; `other` only when no specific tool is named."""
        named = {s.tool for s in self.counting_signals(minimum) if s.tool}
        if len(named) > 1:
            named.discard(OTHER_TOOL)
        return tuple(sorted(named))

    def confidence(self) -> Confidence | None:
        """The strongest signal that speaks for AI assistance, or None."""
        strengths = [s.confidence for s in self.counting_signals(Confidence.LOW)]
        return max(strengths) if strengths else None


NO_SIGNALS = Attribution()


@dataclass(frozen=True)
class Markers:
    """The identity and marker tables, compiled for fast lookups."""

    emails: Mapping[str, str]
    logins: Mapping[str, str]
    name_prefixes: tuple[tuple[str, str], ...]
    aliases: tuple[tuple[re.Pattern[str], str], ...]
    mentions: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...]

    @property
    def mention_hints(self) -> tuple[tuple[str, str], ...]:
        """(hint, tool) pairs: a tool's mention patterns can only match where a hint occurs."""
        return self._hints

    def __post_init__(self) -> None:
        hints = tuple((hint, tool) for tool, tool_hints, _ in self.mentions for hint in tool_hints)
        object.__setattr__(self, "_hints", hints)

    session_trailers: Mapping[str, tuple[str, str | None]]
    footers: tuple[tuple[re.Pattern[str], str], ...]
    assisted_keys: frozenset[str] = _ASSISTED_KEYS
    _identity_cache: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)
    _hints: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @classmethod
    def from_tables(
        cls,
        tools: Mapping[str, Mapping[str, Sequence[str]]],
        session_trailers: Mapping[str, Mapping[str, str]],
        footers: Mapping[str, str],
        extra_trailer_keys: Iterable[str] = (),
    ) -> Markers:
        emails: dict[str, str] = {}
        logins: dict[str, str] = {}
        prefixes: list[tuple[str, str]] = []
        aliases: list[tuple[str, str]] = []
        mentions: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = []
        for tool, table in tools.items():
            emails.update({e.lower(): tool for e in table.get("emails", ())})
            logins.update({login.lower(): tool for login in table.get("logins", ())})
            prefixes.extend((p.lower(), tool) for p in table.get("name_prefixes", ()))
            aliases.extend((a.lower(), tool) for a in table.get("aliases", ()))
            if table.get("mentions"):
                pattern = re.compile("|".join(f"(?:{_scoped(m)})" for m in table["mentions"]))
                hints = tuple(h.lower() for h in table.get("hints", ()))
                mentions.append((tool, hints, pattern))
        # Longest alias first, so "claude code" wins over "claude" and "amazon q" over "q".
        aliases.sort(key=lambda pair: -len(pair[0]))
        alias_patterns = tuple(
            (re.compile(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])"), tool)
            for alias, tool in aliases
        )
        return cls(
            emails=emails,
            logins=logins,
            name_prefixes=tuple(prefixes),
            aliases=alias_patterns,
            mentions=tuple(mentions),
            session_trailers={
                key.lower(): (spec["tool"], spec.get("value"))
                for key, spec in session_trailers.items()
            },
            footers=tuple(
                (_footer_pattern(phrase.lower()), tool) for phrase, tool in footers.items()
            ),
            assisted_keys=_ASSISTED_KEYS | {k.lower() for k in extra_trailer_keys},
        )

    def extended(
        self, identities: Mapping[str, Sequence[str]], trailer_keys: Iterable[str] = ()
    ) -> Markers:
        """A copy with config's extra identities (`tool -> [email or login]`) and trailer keys."""
        emails = dict(self.emails)
        logins = dict(self.logins)
        for tool, entries in identities.items():
            for entry in entries:
                target = emails if "@" in entry else logins
                target[entry.lower()] = tool
        return Markers(
            emails=emails,
            logins=logins,
            name_prefixes=self.name_prefixes,
            aliases=self.aliases,
            mentions=self.mentions,
            session_trailers=self.session_trailers,
            footers=self.footers,
            assisted_keys=self.assisted_keys | {k.lower() for k in trailer_keys},
        )

    def identity_tool(self, name: str, email: str) -> str | None:
        """The tool a name/email pair belongs to, if it is a known AI identity."""
        key = (name, email)
        cached = self._identity_cache.get(key, "")
        if cached != "":
            return cached
        tool = self._lookup_identity(name.strip().lower(), email.strip().lower())
        if len(self._identity_cache) < 100_000:
            self._identity_cache[key] = tool
        return tool

    def _lookup_identity(self, name: str, email: str) -> str | None:
        tool = self.emails.get(email)
        if tool:
            return tool
        login = noreply_login(email)
        if login is not None and (tool := self.logins.get(login)):
            return tool
        if name.endswith("[bot]") and (tool := self.logins.get(name)):
            return tool
        for prefix, prefix_tool in self.name_prefixes:
            if name.startswith(prefix):
                return prefix_tool
        return None

    def is_human(self, person: Person) -> bool:
        """False for AI identities and for any bot account (`[bot]` logins)."""
        if self.identity_tool(person.name, person.email) is not None:
            return False
        login = noreply_login(person.email.lower()) or ""
        return not (person.name.lower().endswith("[bot]") or login.endswith("[bot]"))

    def tool_from_text(self, text: str) -> str:
        """The tool a free-text trailer value names (`Claude:opus-4 sparse`), else `other`."""
        person = parse_person(text)
        if person is not None and (tool := self.identity_tool(person.name, person.email)):
            return tool
        lowered = text.lower()
        # Kernel form AGENT:MODEL [TOOL ...]: the agent names the tool.
        agent = lowered.split(":", 1)[0] if ":" in lowered else lowered
        for candidate in (agent, lowered):
            for pattern, tool in self.aliases:
                if pattern.search(candidate):
                    return tool
        return OTHER_TOOL


def _scoped(pattern: str) -> str:
    """A leading `(?i)` becomes a scoped `(?i:...)` group, so patterns can be joined."""
    return f"(?i:{pattern[4:]})" if pattern.startswith("(?i)") else pattern


def noreply_login(email: str) -> str | None:
    """`login` from a lower-cased `ID+login@users.noreply.github.com` or `login@...` address."""
    if not email.endswith(_NOREPLY_SUFFIX):
        return None
    local = email[: -len(_NOREPLY_SUFFIX)]
    return local.split("+", 1)[1] if "+" in local else local


def parse_person(value: str) -> Person | None:
    """`Name <email>` as a Person, or None when the value is not of that form."""
    match = _NAME_EMAIL.match(value)
    if match is None:
        return None
    return Person(match["name"], match["email"])


@cache
def builtin_markers() -> Markers:
    """The tables shipped in the package."""
    text = resources.files("deploycount").joinpath("data/markers.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return Markers.from_tables(data["tools"], data["session_trailers"], data["footers"])


def identity_signals(author: Person, committer: Person, markers: Markers) -> list[Signal]:
    """Signals from who wrote and who committed the commit."""
    signals = []
    for role, person in (("author", author), ("committer", committer)):
        tool = markers.identity_tool(person.name, person.email)
        if tool:
            signals.append(Signal(role, tool, Confidence.HIGH, str(person)))
        elif person.name.lower().endswith(" (aider)"):
            signals.append(Signal(f"{role}-name", "aider", Confidence.MEDIUM, str(person)))
    return signals


def trailer_signals(message: str, markers: Markers) -> tuple[list[Signal], list[Person], bool]:
    """Signals, human-or-bot co-authors, and the `AI-Assisted: no` declaration from trailers."""
    signals: list[Signal] = []
    co_authors: list[Person] = []
    declared_not = False
    for trailer in parse_trailers(message):
        key = trailer.normalized_key
        value = trailer.value
        detail = f"{trailer.key}: {value}"
        if key in _CO_AUTHOR_KEYS:
            co_author = parse_person(value)
            if co_author is None:
                continue
            tool = markers.identity_tool(co_author.name, co_author.email)
            if tool:
                signals.append(Signal(key, tool, Confidence.HIGH, detail))
            else:
                co_authors.append(co_author)
        elif key in markers.assisted_keys:
            signals.append(Signal(key, markers.tool_from_text(value), Confidence.HIGH, detail))
        elif key == "ai-assisted":
            answer = value.strip().lower()
            if answer in _DECLARED_NO:
                declared_not = True
                signals.append(Signal("declared-not-assisted", None, Confidence.HIGH, detail))
            elif answer:
                tool = OTHER_TOOL if answer in _DECLARED_YES else markers.tool_from_text(value)
                signals.append(Signal(key, tool, Confidence.HIGH, detail))
        elif key in markers.session_trailers:
            tool, wanted = markers.session_trailers[key]
            if wanted is None or value.strip().lower().startswith(wanted):
                signals.append(Signal(key, tool, Confidence.HIGH, detail))
    return signals, co_authors, declared_not


def text_signals(
    message: str,
    markers: Markers,
    *,
    mentions: bool,
    named: set[str | None],
    lowered: str | None = None,
) -> list[Signal]:
    """Signals from the text: the aider subject, tool footers, and (low) mentions of tool names
    that no stronger signal (`named`) already gave."""
    signals = []
    subject, _, body = message.partition("\n")
    if subject[:7].lower() == "aider: ":
        signals.append(Signal("subject", "aider", Confidence.MEDIUM, subject[:80]))
    # With the lower-cased message at hand, skip patterns whose words are absent (same answers).
    if body and (lowered is None or "generated with" in lowered):
        for pattern, tool in markers.footers:
            match = pattern.search(body)
            if match:
                signals.append(
                    Signal("footer", tool, Confidence.MEDIUM, match.group(0).strip()[:120])
                )
    if mentions:
        seen = named | {s.tool for s in signals}
        hinted = None
        if lowered is not None:
            hinted = {tool for hint, tool in markers.mention_hints if hint in lowered}
        for tool, _, pattern in markers.mentions:
            if tool in seen or (hinted is not None and tool not in hinted):
                continue
            match = pattern.search(message)
            if match:
                seen.add(tool)
                signals.append(Signal("mention", tool, Confidence.LOW, match.group(0)))
    return signals


def attribute(
    message: str,
    author: Person,
    committer: Person,
    markers: Markers,
    *,
    mentions: bool = True,
) -> Attribution:
    """Collect every AI-assistance signal of one commit (README "Attribution").

    `mentions=False` skips the low-confidence text search, which only `scan` and
    `--min-confidence low` need.
    """
    signals = identity_signals(author, committer, markers)
    co_authors: list[Person] = []
    declared_not = False
    if ":" in message:
        found, co_authors, declared_not = trailer_signals(message, markers)
        signals.extend(found)
    signals.extend(
        text_signals(message, markers, mentions=mentions, named={s.tool for s in signals})
    )
    if not signals and not co_authors:
        return NO_SIGNALS
    return Attribution(tuple(signals), declared_not, tuple(co_authors))


TrailerFindings = tuple[tuple[Signal, ...], tuple[Person, ...], bool]
_NO_TRAILERS: TrailerFindings = ((), (), False)
_BLANKISH_LINE = re.compile(r"\n[ \t\r]*\n")
_CACHE_LIMIT = 50_000


class Attributor:
    """`attribute` for a stream of commits: the same answers, with the common cases made cheap.

    * identity signals depend only on the author and committer, which repeat: cached per pair;
    * a message with no colon in its last paragraph has no trailers (checked in C, not parsed);
    * when git's trailer block can only be the last paragraph (no comment or `Conflicts:` lines,
      no blank-looking line inside it), the trailers depend on that paragraph alone, and the
      same paragraphs (`Co-authored-by: Claude ...`, one person's `Signed-off-by`) recur: cached.
    """

    def __init__(self, markers: Markers, *, mentions: bool) -> None:
        self.markers = markers
        self.mentions = mentions
        self._identities: dict[tuple[str, str, str, str], tuple[Signal, ...]] = {}
        self._paragraphs: dict[str, TrailerFindings] = {}
        self._identity_only: dict[tuple[Signal, ...], Attribution] = {(): NO_SIGNALS}

    def __call__(
        self,
        message: str,
        author_name: str,
        author_email: str,
        committer_name: str,
        committer_email: str,
    ) -> Attribution:
        key = (author_name, author_email, committer_name, committer_email)
        by_identity = self._identities.get(key)
        if by_identity is None:
            by_identity = tuple(
                identity_signals(
                    Person(author_name, author_email),
                    Person(committer_name, committer_email),
                    self.markers,
                )
            )
            if len(self._identities) < _CACHE_LIMIT:
                self._identities[key] = by_identity
        trailer_part = self._trailers(message) if ":" in message else _NO_TRAILERS
        text_part: list[Signal] = []
        lowered = message.lower()
        if self.mentions or lowered.startswith("aider: ") or "generated with" in lowered:
            named = {s.tool for s in by_identity} | {s.tool for s in trailer_part[0]}
            text_part = text_signals(
                message, self.markers, mentions=self.mentions, named=named, lowered=lowered
            )
        if trailer_part is _NO_TRAILERS and not text_part:
            cached = self._identity_only.get(by_identity)
            if cached is None:
                cached = self._identity_only[by_identity] = Attribution(by_identity)
            return cached
        trailer_signals_found, co_authors, declared_not = trailer_part
        signals = (*by_identity, *trailer_signals_found, *text_part)
        if not signals and not co_authors:
            return NO_SIGNALS
        return Attribution(signals, declared_not, co_authors)

    def _trailers(self, message: str) -> TrailerFindings:
        if "#" in message or "Conflicts:" in message:
            # Comment lines and old "Conflicts:" blocks move the end of git's trailer block.
            return self._parse(message)
        tail = message.rstrip()
        cut = tail.rfind("\n\n")
        paragraph = tail[cut + 2 :] if cut != -1 else tail
        if ":" not in paragraph:
            return _NO_TRAILERS
        cacheable = cut != -1 and not _BLANKISH_LINE.search(paragraph)
        if cacheable and (known := self._paragraphs.get(paragraph)) is not None:
            return known
        findings = self._parse(message)
        if cacheable and len(self._paragraphs) < _CACHE_LIMIT:
            self._paragraphs[paragraph] = findings
        return findings

    def _parse(self, message: str) -> TrailerFindings:
        signals, co_authors, declared_not = trailer_signals(message, self.markers)
        if not (signals or co_authors or declared_not):
            return _NO_TRAILERS
        return tuple(signals), tuple(co_authors), declared_not


def _footer_pattern(phrase: str) -> re.Pattern[str]:
    """A line-start pattern for a footer phrase: optional brackets, up to 8 symbol characters."""
    words = re.escape(phrase.replace("[", "").replace("]", ""))
    bracketed = phrase.startswith("generated with [")
    core = words.replace(r"generated\ with\ ", r"generated\ with\ \[?", 1) if bracketed else words
    return re.compile(
        rf"^[^A-Za-z0-9\n]{{0,{_FOOTER_PREFIX_MAX}}}{core}(?:\]|(?![a-z0-9]))[^\n]*",
        re.IGNORECASE | re.MULTILINE,
    )
