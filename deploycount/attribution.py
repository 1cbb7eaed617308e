"""Is a commit AI-assisted? Pure functions from a commit's message and identities to signals.

Every marker README "Attribution" lists becomes a `Signal` with a confidence; a commit is
AI-assisted when one of its signals reaches the minimum confidence, unless the developer declared
`AI-Assisted: no`. The tables of identities and markers live in `data/markers.toml` and can be
extended from config through `Markers.extended`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from deploycount.identity import Confidence, Person
from deploycount.trailers import parse_trailer_block, parse_trailers

OTHER_TOOL = "other"
# The built-in tool ids (the tables in data/markers.toml must define exactly these, plus `other`).
BUILTIN_TOOL_IDS = (
    "claude-code", "copilot", "cursor", "aider", "codex", "gemini", "jules", "devin",
    "openhands", "amp", "opencode", "amazon-q", "replit", "crush", "cline", "roo-code",
    "factory", "warp", "windsurf", "kiro", "jetbrains", "continue", "cody", "goose", "nori",
    "ellipsis", "greptile", "coderabbit", "cubic", "charlie", "agor", OTHER_TOOL,
)  # fmt: skip
TOOL_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,39}$"

_NOREPLY_SUFFIX = "@users.noreply.github.com"
_DECLARED_NO = frozenset({"no", "false", "none"})
_DECLARED_YES = frozenset({"yes", "true"})
_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
_ASSISTED_KEYS = frozenset({"assisted-by", "generated-by", "co-authored-by-ai"})
_CO_AUTHOR_KEYS = frozenset({"co-authored-by", "co-developed-by"})
_FOOTER_PREFIX_MAX = 8
FROM_VALUE = "*"  # a session trailer whose value names the tool
# Model names never name the tool when an agent is named: `Crush:claude-opus-4-6` is crush,
# `Cursor claude-4.5` is cursor. A model is a family word followed by a tier or a version.
_MODEL = re.compile(
    r"(?<![a-z0-9])(?:"
    r"(?:claude|gpt|gemini|grok|llama|qwen|deepseek|mistral|codestral|kimi|glm|sonnet|opus|haiku)"
    r"(?:[-_. ]*(?:opus|sonnet|haiku|pro|flash|lite|mini|nano|max|turbo|preview|thinking|latest"
    r"|instruct|high|medium|low|v?\d[\w.]*))+"
    r"|o[1-9](?:-mini|-pro)?"
    r")(?![a-z0-9])"
)
# Substrings one of which every misplaced marker line contains (a cheap pre-check).


@dataclass(frozen=True, slots=True)
class Signal:
    """One piece of evidence: which marker, which tool it names, how strong, and the text seen."""

    signal: str
    tool: str | None
    confidence: Confidence
    detail: str


# Bots without a `[bot]` login: a name that ends in the word "bot" ("Houston (Bot)", "Release
# Bot", "renovate-bot"), an address whose local part is a bot's ("bot@", "ci-bot@", "bot.x@"),
# and the address GitHub Actions commits as when no app identity is set.
_BOT_NAME = re.compile(r"(?:^|[\s_\-(\[])bot[\])]?$")
_BOT_LOCAL = re.compile(r"(?:^|[._+-])bots?$|^bots?[._+-]")
_BOT_EMAILS = frozenset({"action@github.com", "actions@github.com"})


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


ToolTables = Mapping[str, Mapping[str, Sequence[str]]]


@dataclass(frozen=True)
class Markers:
    """The identity and marker tables, compiled for fast lookups.

    Built from tables of the form of `data/markers.toml` (`from_tables`); config adds identities,
    trailer keys and whole new tools (`extended`), which rebuilds from the merged tables."""

    tools: ToolTables
    session_specs: Mapping[str, Mapping[str, Any]]
    extra_trailer_keys: frozenset[str] = frozenset()
    emails: dict[str, str] = field(default_factory=dict, repr=False)
    logins: dict[str, str] = field(default_factory=dict, repr=False)
    name_prefixes: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    alias_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    alias_tools: dict[str, str] = field(default_factory=dict, repr=False)
    mentions: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = field(
        default=(), repr=False
    )
    mention_hints: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    mention_order: dict[str, int] = field(default_factory=dict, repr=False)  # tool -> position
    session_trailers: dict[str, tuple[str, frozenset[str] | None]] = field(
        default_factory=dict, repr=False
    )
    footer_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    footer_tools: dict[str, str] = field(default_factory=dict, repr=False)
    # A tool's own marks in a message body (an agent's run link, a "Filed by" footer): each
    # tool's pattern, and the lower-case substrings one of which any match holds.
    links: tuple[tuple[str, re.Pattern[str]], ...] = field(default=(), repr=False)
    link_hints: tuple[str, ...] = field(default=(), repr=False)
    assisted_keys: frozenset[str] = field(default=_ASSISTED_KEYS, repr=False)
    misplaced_pattern: re.Pattern[str] | None = field(default=None, repr=False)
    _identity_cache: dict[tuple[str, str], str | None] = field(default_factory=dict, repr=False)
    _text_cache: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def tool_ids(self) -> tuple[str, ...]:
        return (*self.tools, OTHER_TOOL)

    @classmethod
    def from_tables(
        cls,
        tools: ToolTables,
        session_trailers: Mapping[str, Mapping[str, Any]],
        extra_trailer_keys: Iterable[str] = (),
    ) -> Markers:
        emails: dict[str, str] = {}
        logins: dict[str, str] = {}
        prefixes: list[tuple[str, str]] = []
        aliases: list[tuple[str, str]] = []
        mentions: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = []
        links: list[tuple[str, re.Pattern[str]]] = []
        link_hints: list[str] = []
        footer_tools: dict[str, str] = {}
        for tool, table in tools.items():
            if table.get("links"):
                links.append(
                    (tool, re.compile("|".join(f"(?:{_scoped(m)})" for m in table["links"])))
                )
                link_hints.extend(h.lower() for h in table.get("link_hints", ()))
            emails.update({e.lower(): tool for e in table.get("emails", ())})
            logins.update({login.lower(): tool for login in table.get("logins", ())})
            prefixes.extend((p.lower(), tool) for p in table.get("name_prefixes", ()))
            aliases.extend((a.lower(), tool) for a in (tool, *table.get("aliases", ())))
            for name in table.get("footers", ()):
                footer_tools.setdefault(_squash_space(name.lower()), tool)
            if table.get("mentions"):
                pattern = re.compile("|".join(f"(?:{_scoped(m)})" for m in table["mentions"]))
                hints = tuple(h.lower() for h in table.get("hints", ()))
                mentions.append((tool, hints, pattern))
        # One pattern for every alias (compiling one per alias cost the commit hook 25 ms), the
        # longest first, so that at one position "claude code" wins over "claude".
        alias_tools = dict(aliases)
        alias_pattern = (
            re.compile(
                "(?<![a-z0-9])(?:"
                + "|".join(re.escape(a) for a in sorted(alias_tools, key=len, reverse=True))
                + ")(?![a-z0-9])"
            )
            if alias_tools
            else None
        )
        sessions = {
            key.lower(): (
                str(spec["tool"]),
                frozenset(v.lower() for v in spec["values"]) if spec.get("values") else None,
            )
            for key, spec in session_trailers.items()
        }
        extra = frozenset(k.lower() for k in extra_trailer_keys)
        assisted = _ASSISTED_KEYS | extra
        return cls(
            tools=tools,
            session_specs=session_trailers,
            extra_trailer_keys=extra,
            emails=emails,
            logins=logins,
            name_prefixes=tuple(prefixes),
            alias_pattern=alias_pattern,
            alias_tools=alias_tools,
            mentions=tuple(mentions),
            mention_hints=tuple((hint, tool) for tool, hints, _ in mentions for hint in hints),
            mention_order={tool: position for position, (tool, _, _) in enumerate(mentions)},
            session_trailers=sessions,
            footer_pattern=_footer_pattern(footer_tools),
            footer_tools=footer_tools,
            links=tuple(links),
            link_hints=tuple(dict.fromkeys(link_hints)),
            assisted_keys=assisted,
            misplaced_pattern=_misplaced_pattern(
                [*assisted, *_CO_AUTHOR_KEYS, "ai-assisted", *sessions]
            ),
        )

    def extended(
        self,
        identities: Mapping[str, Sequence[str]] | None = None,
        trailer_keys: Iterable[str] = (),
        tools: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    ) -> Markers:
        """A copy with config's new tools (`id -> {identities, aliases, footers}`), extra
        identities of any tool (`tool -> [email or login]`) and extra trailer keys."""
        merged: dict[str, dict[str, list[str]]] = {
            tool: {key: list(values) for key, values in table.items()}
            for tool, table in self.tools.items()
        }
        for tool, table in (tools or {}).items():
            entry = merged.setdefault(tool, {})
            for key in ("aliases", "footers"):
                entry.setdefault(key, []).extend(table.get(key, ()))
            _add_identities(entry, table.get("identities", ()))
        for tool, entries in (identities or {}).items():
            _add_identities(merged.setdefault(tool, {}), entries)
        return Markers.from_tables(
            merged, self.session_specs, [*self.extra_trailer_keys, *trailer_keys]
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
        """False for AI identities and for any bot account: `[bot]` logins, and the bots real
        histories show without one (`Houston (Bot)`, `release-bot@...`, `action@github.com`)."""
        if self.identity_tool(person.name, person.email) is not None:
            return False
        email = person.email.lower()
        login = noreply_login(email) or ""
        name = person.name.lower()
        if name.endswith("[bot]") or login.endswith("[bot]") or email in _BOT_EMAILS:
            return False
        return not (_BOT_NAME.search(name) or _BOT_LOCAL.search(email.partition("@")[0]))

    def tool_from_text(self, text: str) -> str:
        """The tool a free-text value names (`Claude:opus-4 sparse`), else `other`.

        An identity decides when there is one (`… via Crush <crush@charm.land>`); otherwise the
        agent does: the part before `:` in the kernel form AGENT:MODEL, the part after `via`,
        then the whole value, each with model names taken out. Within one part the alias
        nearest its start wins, so the answer never depends on the order of the tables."""
        cached = self._text_cache.get(text)
        if cached is not None:
            return cached
        tool = self._tool_from_text(text)
        if len(self._text_cache) < 10_000:
            self._text_cache[text] = tool
        return tool

    def _tool_from_text(self, text: str) -> str:
        person = parse_person(text)
        if person is not None:
            if tool := self.identity_tool(person.name, person.email):
                return tool
            text = person.name
        lowered = text.lower()
        parts = []
        if ":" in lowered:
            parts.append(lowered.split(":", 1)[0])
        if " via " in lowered:
            parts.append(lowered.rsplit(" via ", 1)[1])
        parts.append(lowered)
        for part in parts:
            tool = self._first_alias(_MODEL.sub(" ", part))
            if tool is not None:
                return tool
        return self._first_alias(lowered) or OTHER_TOOL

    def _first_alias(self, text: str) -> str | None:
        """The tool of the alias nearest the start of `text` (the longest one there)."""
        match = self.alias_pattern.search(text) if self.alias_pattern is not None else None
        return self.alias_tools.get(match.group(0)) if match else None


def _add_identities(entry: dict[str, list[str]], identities: Iterable[str]) -> None:
    for identity in identities:
        entry.setdefault("emails" if "@" in identity else "logins", []).append(identity)


def _squash_space(text: str) -> str:
    return " ".join(text.split())


def _scoped(pattern: str) -> str:
    """A leading `(?i)` becomes a scoped `(?i:...)` group, so patterns can be joined."""
    return f"(?i:{pattern[4:]})" if pattern.startswith("(?i)") else pattern


def _footer_pattern(names: Mapping[str, str]) -> re.Pattern[str] | None:
    """`Generated with|by <tool>` at the start of a line, after at most 8 characters that are not
    ASCII letters or digits (an emoji, missing or garbled; `*` or `_` of italics); brackets
    optional; the line may wrap between any two words."""
    if not names:
        return None
    alternatives = "|".join(
        r"[ \t]*\n?[ \t]*".join(re.escape(word) for word in name.split())
        for name in sorted(names, key=len, reverse=True)
    )
    return re.compile(
        rf"^[^A-Za-z0-9\n]{{0,{_FOOTER_PREFIX_MAX}}}generated[ \t]*\n?[ \t]*(?:with|by)"
        rf"[ \t]*\n?[ \t]*\[?(?P<name>{alternatives})(?:\]|(?![a-z0-9]))[^\n]*",
        re.IGNORECASE | re.MULTILINE,
    )


def _misplaced_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """A marker line anywhere in the message (indented by at most three spaces)."""
    alternatives = "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))
    return re.compile(
        rf"^ {{0,3}}(?P<key>{alternatives})[ \t]*:(?P<value>[^\n]*)", re.IGNORECASE | re.MULTILINE
    )


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
    return Markers.from_tables(data["tools"], data["session_trailers"])


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


def marker_signal(key: str, value: str, markers: Markers, confidence: Confidence) -> Signal | None:
    """The signal a `key: value` marker line gives, or None (a human co-author, a session
    trailer without the value it needs, an empty value). `AI-Assisted: no` gives the
    `declared-not-assisted` signal, which has no tool."""
    detail = f"{key}: {value}"
    key = key.lower()
    if key in _CO_AUTHOR_KEYS:
        person = parse_person(value)
        if person is None:
            return None
        tool = markers.identity_tool(person.name, person.email) or _model_co_author(person)
        if tool is None:
            return None
        # A model's name under another vendor's address (`GPT-5 <noreply@anthropic.com>`) says
        # AI, but not which tool: the address alone would have said Claude Code.
        family = _model_family(person.name)
        if family is not None and tool not in (family, OTHER_TOOL):
            tool = OTHER_TOOL
        return Signal(key, tool, confidence, detail)
    if key in markers.assisted_keys:
        return Signal(key, markers.tool_from_text(value), confidence, detail) if value else None
    if key == "ai-assisted":
        answer = value.strip().lower()
        if answer in _DECLARED_NO:
            return Signal("declared-not-assisted", None, confidence, detail)
        if not answer:
            return None
        tool = OTHER_TOOL if answer in _DECLARED_YES else markers.tool_from_text(value)
        return Signal(key, tool, confidence, detail)
    spec = markers.session_trailers.get(key)
    if spec is None:
        return None
    tool, wanted = spec
    if wanted is not None and not value.strip().lower().startswith(tuple(wanted)):
        return None
    if tool == FROM_VALUE:
        tool = markers.tool_from_text(value)
    return Signal(key, tool, confidence, detail)


def trailer_signals(message: str, markers: Markers) -> tuple[list[Signal], list[Person], bool]:
    """Signals, human-or-bot co-authors, and the `AI-Assisted: no` declaration from trailers.

    A tool's own trailer (`Made-with: Cursor`, a session trailer) beside a co-author that is a
    model (`Claude <noreply@anthropic.com>`) is one tool: the model it ran, recorded as a
    `model` signal of no tool, is not a second one."""
    signals: list[Signal] = []
    co_authors: list[Person] = []
    declared_not = False
    for trailer in parse_trailers(message):
        signal = marker_signal(trailer.key, trailer.value, markers, Confidence.HIGH)
        if signal is not None:
            if signal.signal == "declared-not-assisted":
                declared_not = True
            signals.append(signal)
        elif trailer.normalized_key in _CO_AUTHOR_KEYS:
            person = parse_person(trailer.value)
            if person is not None:
                co_authors.append(person)
    tools = {s.tool for s in signals if s.signal in markers.session_trailers and s.tool}
    tools.discard(OTHER_TOOL)
    if tools:
        signals = [
            Signal("model", None, s.confidence, s.detail)
            if s.signal in _CO_AUTHOR_KEYS and s.tool not in tools and _is_model(s.detail)
            else s
            for s in signals
        ]
    return signals, co_authors, declared_not


# A co-author that is a model, named for it (`GLM-4.6 <noreply@z.ai>`, `Grok 4 <noreply@x.ai>`):
# AI, by a tool the trailer does not name.
_MODEL_NAME = re.compile(
    r"^\s*(?:claude|gpt|gemini|grok|llama|qwen|deepseek|mistral|codestral|kimi|glm|o[1-9])"
    r"(?:[-_. ]*[\w.]*)*\s*$",
    re.IGNORECASE,
)


def _model_co_author(person: Person) -> str | None:
    """OTHER_TOOL for a co-author named for a model at a no-reply address, else None."""
    local = person.email.lower().partition("@")[0]
    if _MODEL_NAME.match(person.name) and ("noreply" in local or "no-reply" in local):
        return OTHER_TOOL
    return None


def _model_family(name: str) -> str | None:
    """The tool a model's name belongs to (`GPT-5`: codex; `Claude`: claude-code), if the name
    is a model's."""
    if not _MODEL_NAME.match(name):
        return None
    lowered = name.strip().lower()
    return next((tool for word, tool in _FAMILY_TOOLS if lowered.startswith(word)), OTHER_TOOL)


def _is_model(detail: str) -> bool:
    """Whether a co-author trailer (`Co-authored-by: Claude <...>`) names a model."""
    person = parse_person(detail.partition(":")[2])
    return person is not None and _MODEL_NAME.match(person.name) is not None


def misplaced_signals(
    message: str,
    markers: Markers,
    *,
    read: Sequence[Signal] = (),
    lowered: str | None = None,
    head: bool = True,
    tail: bool = True,
) -> list[Signal]:
    """Medium `misplaced-trailer` signals: marker lines that would be high signals if git read
    them as trailers, but stand outside the trailer block (an earlier paragraph, a squash-merge
    body listing each commit's `Co-authored-by:`, a paragraph git's 25 % rule rejects).

    `read` are the signals of the trailers git does read: a marker line that gave one of them
    is not misplaced, which spares parsing the trailer block in the common case. Each region
    (the paragraphs before the last one: `head`; the last one: `tail`) is searched only when a
    cheap substring test says it can hold a marker."""
    pattern = markers.misplaced_pattern
    if pattern is None:
        return []
    text = lowered if lowered is not None else message.lower()
    end = len(message.rstrip())
    cut = message.rfind("\n\n", 0, end)
    subject_end = message.find("\n")
    regions = []
    if head and cut > subject_end > -1 and _has_hint(text, subject_end, cut):
        regions.append((subject_end, cut))
    last = cut + 2 if cut != -1 else max(subject_end, 0)
    if tail and subject_end != -1 and _has_hint(text, last, len(text)):
        regions.append((last, len(message)))
    if not regions:
        return []
    seen = {(s.signal, s.detail) for s in read}
    block: tuple[int, int] | None = None
    signals = []
    for start, stop in regions:
        for match in pattern.finditer(message, start, stop):
            if match.start() <= subject_end:
                continue  # the subject line is never a trailer, and never a misplaced one
            value = match["value"].strip()
            signal = marker_signal(match["key"], value, markers, Confidence.MEDIUM)
            if signal is None or signal.tool is None or (signal.signal, signal.detail) in seen:
                continue
            if block is None:
                parsed = parse_trailer_block(message)
                block = (parsed.start_line, parsed.end_line)
            line = message.count("\n", 0, match.start())
            if block[0] <= line < block[1]:
                continue
            detail = signal.detail[:120]
            signals.append(Signal("misplaced-trailer", signal.tool, Confidence.MEDIUM, detail))
    return signals


def _has_hint(text: str, start: int = 0, stop: int | None = None) -> bool:
    """Whether text[start:stop] holds a substring every marker line holds (spelled out: this
    runs for every commit with a body)."""
    part = text[start:stop] if start or stop is not None else text
    return (
        "-by" in part or "assisted" in part or "session" in part or "thread" in part
        or "made-with" in part or "replit" in part or "agent" in part
    )  # fmt: skip


def footer_signals(body: str, markers: Markers) -> list[Signal]:
    pattern = markers.footer_pattern
    if pattern is None:
        return []
    signals = []
    for match in pattern.finditer(body):
        tool = markers.footer_tools.get(_squash_space(match["name"].lower()))
        if tool is not None:
            detail = _squash_space(match.group(0))[:120]
            signals.append(Signal("footer", tool, Confidence.MEDIUM, detail))
    return signals


# `_Claude Opus 4 on behalf of someone_`: a line an agent platform signs its commits with (the
# model, on behalf of the user who asked). Only a model name counts, so a person's "Signed on
# behalf of ACME" is not one. The model's family stands for the agent that runs it.
_SIGNATURE = re.compile(
    r"^[ \t]*_?(?P<model>[^_\n]{2,60}?) on behalf of [^_\n]{1,100}?_?[ \t]*$", re.M
)
_FAMILY_TOOLS = (
    ("claude", "claude-code"), ("sonnet", "claude-code"), ("opus", "claude-code"),
    ("haiku", "claude-code"), ("gpt", "codex"), ("codex", "codex"), ("gemini", "gemini"),
)  # fmt: skip
# `(Commit message generated by Copilot)`: VS Code's Copilot wrote the message, which says
# nothing of the code: a low signal, never counted by default (README "Attribution").
_MESSAGE_BY = re.compile(
    r"^\(commit message generated by (?P<tool>[^)\n]{2,40})\)\s*$", re.M | re.I
)


def signature_signals(message: str, markers: Markers) -> list[Signal]:
    """The model signature line (medium) and the generated-message note (low)."""
    signals = []
    for match in _SIGNATURE.finditer(message):
        model = match["model"].strip().lower()
        if _MODEL.search(model) is None and not model.startswith(("claude", "gemini", "gpt")):
            continue
        tool = next((t for word, t in _FAMILY_TOOLS if word in model), OTHER_TOOL)
        detail = match.group(0).strip()[:120]
        signals.append(Signal("signature", tool, Confidence.MEDIUM, detail))
        break
    for match in _MESSAGE_BY.finditer(message):
        tool = markers.tool_from_text(match["tool"])
        signals.append(Signal("message-generated", tool, Confidence.LOW, match.group(0)[:80]))
        break
    return signals


def link_signals(body: str, markers: Markers) -> list[Signal]:
    """Medium `link` signals: a tool's own mark in the body (Cursor's background-agent run
    links and its "Open in Cursor" badges, agor's "Filed by" footer), one per tool."""
    found = []
    for tool, pattern in markers.links:
        match = pattern.search(body)
        if match is not None:
            found.append(Signal("link", tool, Confidence.MEDIUM, match.group(0)[:120]))
    return found


def text_signals(
    message: str,
    markers: Markers,
    *,
    mentions: bool,
    named: set[str | None],
    lowered: str | None = None,
    read: Sequence[Signal] = (),
    misplaced: bool = True,
    hinted: Collection[str] | None = None,
) -> list[Signal]:
    """Signals from the text: the aider subject, misplaced markers, tool footers, and (low)
    mentions of tool names that no stronger signal (`named`) already gave. `read` are the
    signals of the trailers git reads (see `misplaced_signals`). `hinted`, when known, are the
    tools whose hints the lower-cased message holds (else they are looked for in `lowered`)."""
    signals = []
    subject, _, body = message.partition("\n")
    if subject[:7].lower() == "aider: ":
        signals.append(Signal("subject", "aider", Confidence.MEDIUM, subject[:80]))
    moved = (
        misplaced_signals(message, markers, read=read, lowered=lowered)
        if body and misplaced
        else []
    )
    # With the lower-cased message at hand, skip patterns whose words are absent (same answers).
    if body and (lowered is None or "generated" in lowered):
        signals.extend(footer_signals(body, markers))
    if body and (lowered is None or "on behalf of" in lowered or "message generated" in lowered):
        signals.extend(signature_signals(body, markers))
    if body and (lowered is None or any(hint in lowered for hint in markers.link_hints)):
        signals.extend(link_signals(body, markers))
    if mentions:
        seen = named | {s.tool for s in signals} | {s.tool for s in moved}
        if hinted is None and lowered is not None:
            hinted = {tool for hint, tool in markers.mention_hints if hint in lowered}
        entries = markers.mentions
        if hinted is not None:  # only the hinted tools' patterns, in the table's order
            order = markers.mention_order
            entries = tuple(entries[i] for i in sorted(order[t] for t in hinted if t in order))
        for tool, _, pattern in entries:
            if tool in seen:
                continue
            match = pattern.search(message)
            if match:
                seen.add(tool)
                signals.append(Signal("mention", tool, Confidence.LOW, match.group(0)))
    return signals + moved


_NOTE_LIMIT = 1 << 20  # a git-ai note larger than this is not read


def note_signals(note: str, markers: Markers) -> list[Signal]:
    """High `git-ai-note` signals from a git-ai authorship log (`refs/notes/ai`): one per AI
    tool that the note attributes at least one line to.

    The log lists files, each followed by indented `<id> <line ranges>` attestations, then a
    `---` line and JSON (`schema_version` `authorship/…`) whose `prompts` or `sessions` map each
    id to an `agent_id` with its `tool`. Human ids (`humans`) are not AI. Anything that does
    not parse as such a log gives no signal."""
    if "authorship/" not in note or len(note) > _NOTE_LIMIT:
        return []
    head, separator, tail = note.partition("\n---\n")
    if not separator:
        return []
    try:
        data = json.loads(tail)
    except (ValueError, RecursionError):
        return []
    if not isinstance(data, dict) or not str(data.get("schema_version", "")).startswith(
        "authorship/"
    ):
        return []
    agents: dict[str, str] = {}
    for section in ("prompts", "sessions"):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for entry_id, entry in entries.items():
            agent = entry.get("agent_id") if isinstance(entry, dict) else None
            tool = agent.get("tool") if isinstance(agent, dict) else None
            if isinstance(tool, str) and tool.strip():
                agents[str(entry_id)] = tool.strip()
    attested = {
        line.split()[0].split("::", 1)[0]
        for line in head.split("\n")
        if line[:1] in (" ", "\t") and line.strip()
    }
    names = sorted({tool for entry_id, tool in agents.items() if entry_id in attested})
    return [
        Signal("git-ai-note", markers.tool_from_text(name), Confidence.HIGH, f"git-ai: {name}")
        for name in names
    ]


def attribute(
    message: str,
    author: Person,
    committer: Person,
    markers: Markers,
    *,
    mentions: bool = True,
    notes: str = "",
) -> Attribution:
    """Collect every AI-assistance signal of one commit (README "Attribution").

    `mentions=False` skips the low-confidence text search, which only `scan` and
    `--min-confidence low` need. `notes` is the commit's git-ai authorship note, if any.
    """
    signals = identity_signals(author, committer, markers)
    co_authors: list[Person] = []
    declared_not = False
    read: list[Signal] = []
    if ":" in message:
        read, co_authors, declared_not = trailer_signals(message, markers)
        signals.extend(read)
    signals.extend(
        text_signals(
            message, markers, mentions=mentions, named={s.tool for s in signals}, read=read
        )
    )
    if notes:
        signals.extend(note_signals(notes, markers))
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
      same paragraphs (`Co-authored-by: Claude ...`, one person's `Signed-off-by`) recur: cached;
    * the text searches run only when a cheap substring test says they can match, and the
      misplaced markers of a cacheable last paragraph are cached with it;
    * when nothing but the identities and that last paragraph can speak, the whole answer is
      cached by them, and the same object comes back (the reader interns it by identity).
    """

    def __init__(self, markers: Markers, *, mentions: bool) -> None:
        self.markers = markers
        self.mentions = mentions
        self._identities: dict[tuple[str, str, str, str], tuple[Signal, ...]] = {}
        self._paragraphs: dict[str, TrailerFindings] = {}
        self._tails: dict[str, tuple[Signal, ...]] = {}
        self._identity_only: dict[tuple[str, str, str, str], Attribution] = {}
        self._answers: dict[tuple[tuple[str, str, str, str], str], Attribution] = {}

    def __call__(
        self,
        message: str,
        author_name: str,
        author_email: str,
        committer_name: str,
        committer_email: str,
        *,
        notes: str = "",
        hinted: Collection[str] | None = None,
    ) -> Attribution:
        """`hinted`: the tools whose mention hints the message holds, when the caller searched
        for them already (see `text_signals`)."""
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
        trailer_part = _NO_TRAILERS
        moved: list[Signal] = []
        lowered = message.lower()
        whole_key: tuple[tuple[str, str, str, str], str] | None = None
        if ":" in message:
            tail = message.rstrip()
            cut = tail.rfind("\n\n")
            paragraph = tail[cut + 2 :] if cut != -1 else tail
            # git's trailer block can only be the whole last paragraph or nothing; it depends on
            # that paragraph alone unless comment lines, old "Conflicts:" blocks or blank-looking
            # lines move its end.
            cacheable = (
                cut != -1
                and "#" not in message
                and "Conflicts:" not in message
                and not _BLANKISH_LINE.search(paragraph)
            )
            # Then, with no text search to run and no marker word between the subject and the
            # last paragraph, the whole answer depends on the identities and that paragraph
            # (`Co-authored-by: Claude ...` under thousands of subjects): one answer, kept.
            if (
                cacheable
                and not notes
                and not self.mentions
                and "generated" not in lowered
                and not lowered.startswith("aider: ")
                and not any(hint in lowered for hint in self.markers.link_hints)
                and not _has_hint(lowered, message.find("\n"), cut)
            ):
                whole_key = (key, paragraph)
                if (known_answer := self._answers.get(whole_key)) is not None:
                    return known_answer
            if ":" in paragraph or not cacheable:
                trailer_part = self._trailers(message, paragraph, cacheable)
            subject_end = message.find("\n")
            if subject_end != -1 and message.find(":", subject_end) != -1 and _has_hint(lowered):
                last_paragraph = (cut, paragraph, cacheable)
                moved = self._misplaced(message, lowered, last_paragraph, trailer_part[0])
        text_part: list[Signal] = []
        linked = any(hint in lowered for hint in self.markers.link_hints)
        if self.mentions or lowered.startswith("aider: ") or "generated" in lowered or linked:
            named = {s.tool for s in by_identity} | {s.tool for s in trailer_part[0]}
            named |= {s.tool for s in moved}
            text_part = text_signals(
                message,
                self.markers,
                mentions=self.mentions,
                named=named,
                lowered=lowered,
                misplaced=False,
                hinted=hinted,
            )
        text_part += moved
        if notes:
            text_part.extend(note_signals(notes, self.markers))
        if trailer_part is _NO_TRAILERS and not text_part:
            # Keyed by the identities' strings, whose hashes Python keeps (a tuple of signals
            # would be hashed field by field on every commit).
            cached = self._identity_only.get(key)
            if cached is None:
                cached = Attribution(by_identity) if by_identity else NO_SIGNALS
                if len(self._identity_only) < _CACHE_LIMIT:
                    self._identity_only[key] = cached
            return cached
        trailer_signals_found, co_authors, declared_not = trailer_part
        signals = (*by_identity, *trailer_signals_found, *text_part)
        answer = (
            Attribution(signals, declared_not, co_authors) if signals or co_authors else NO_SIGNALS
        )
        if whole_key is not None and len(self._answers) < _CACHE_LIMIT:
            self._answers[whole_key] = answer
        return answer

    def _trailers(self, message: str, paragraph: str, cacheable: bool) -> TrailerFindings:
        if cacheable and (known := self._paragraphs.get(paragraph)) is not None:
            return known
        findings = self._parse(message)
        if cacheable and len(self._paragraphs) < _CACHE_LIMIT:
            self._paragraphs[paragraph] = findings
        return findings

    def _misplaced(
        self,
        message: str,
        lowered: str,
        last_paragraph: tuple[int, str, bool],
        read: Sequence[Signal],
    ) -> list[Signal]:
        """`misplaced_signals`, with the last paragraph's answer cached like its trailers.
        `last_paragraph` is where it starts (`cut`), its text, and whether it is cacheable."""
        cut, paragraph, cacheable = last_paragraph
        subject_end = message.find("\n")
        if subject_end == -1:
            return []
        found: list[Signal] = []
        if cut > subject_end and _has_hint(lowered, subject_end, cut):
            found += misplaced_signals(
                message, self.markers, read=read, lowered=lowered, tail=False
            )
        last = cut + 2 if cut != -1 else subject_end
        if not _has_hint(lowered, last):
            return found
        if cacheable and (known := self._tails.get(paragraph)) is not None:
            return found + list(known)
        in_tail = misplaced_signals(message, self.markers, read=read, lowered=lowered, head=False)
        if cacheable and len(self._tails) < _CACHE_LIMIT:
            self._tails[paragraph] = tuple(in_tail)
        return found + in_tail

    def _parse(self, message: str) -> TrailerFindings:
        signals, co_authors, declared_not = trailer_signals(message, self.markers)
        if not (signals or co_authors or declared_not):
            return _NO_TRAILERS
        return tuple(signals), tuple(co_authors), declared_not
