"""What linking and metrics need to know about the commits, distilled from git's output.

The history is read into columns (`columns.py`) straight from git's bytes; only the commits
whose message may carry a marker are decoded and attributed, the rest take the attribution of
their identities. Equal attributions are one object with one id, so the tallies group by a few
ids instead of visiting objects per commit.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from deploycount.attribution import NO_SIGNALS, Attribution, Attributor, Markers
from deploycount.history.columns import HistoryColumns, new_history
from deploycount.identity import Person

_REVERT = re.compile(r"This reverts commit ([0-9a-fA-F]{7,64})\b")
# The trailer that names the commit a fix mends (`Fixes: 54a4f0239f2e ("subject")`, as the Linux
# kernel and many projects write it): a deploy that ships it soon after is rework. A body line
# with a colon always reaches Python (the columns' test), so no needle is needed.
_FIXES = re.compile(r"^Fixes:[ \t]+([0-9a-fA-F]{7,40})\b", re.MULTILINE | re.IGNORECASE)
# GitHub's revert button writes `Revert "<title>" (#N)` with the body `Reverts owner/repo#M`
# and no commit: the pull request it reverts, resolved to the commit that merged it later.
_PULL_REVERT = re.compile(r"^Reverts [\w.-]+/[\w.-]+#(\d{1,9})\s*$", re.MULTILINE)
# Words one of which a message must hold (besides the columns' own tests) for attribution to read
# it: the footers' "Generated with/by", the signature line's "on behalf of", and the words of a
# release commit's subject (below).
BUILTIN_NEEDLES = (
    b"generated", b"on behalf of",
    b"version", b"release", b"publish", b"bump",  # release commits
    b"reverts ",  # GitHub's revert button: `Reverts owner/repo#12`
    b"cursor.com/", b"filed by",  # markers.toml's link_hints
)  # fmt: skip
# The subject of a release commit: the version bump a release tool makes, not work. Changesets'
# "Version Packages", release-please's "chore(main): release 1.2.3", semantic-release's
# "chore(release): 1.2.3 [skip ci]", lerna's "chore(release): publish" and "Publish", bumpversion's
# "Bump version: 1.2.3 → 1.2.4", and hand-made "Release v1.2.3" / "Bump version to 1.2.3".
RELEASE_SUBJECT = re.compile(
    r"""^\s*(?:
        version\ packages\b
      | chore(?:\([\w./@-]*\))?!?:\s*(?:release|publish)(?!\s+notes)\b
      | chore\(release\):
      | release[:\s]+v?\d+\.\d+
      | releas(?:e|ing)\ (?:version\ )?v?\d+\.\d+
      | bump(?:ed|ing)?\ (?:the\ )?version\b
      | (?:version\ bump|set\ version)\ to\ v?\d
      | prepare\ (?:for\ )?release\b
      | publish\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass
class LoadedHistory:
    """The columns, and what attribution made of them: `attributions[id]` for the ids the rows
    carry (`ident_attr[ident]` for a row attribution did not read), `people[person]` (the author
    after `.mailmap`), `reverts[row]`: the shas or prefixes a revert commit names (a squash of
    several reverts names each), and `releases`: the rows of release commits."""

    columns: HistoryColumns
    attributions: list[Attribution] = field(default_factory=lambda: [NO_SIGNALS])
    ident_attr: array[int] = field(default_factory=lambda: array("i"))
    people: list[Person] = field(default_factory=list)
    reverts: dict[int, tuple[str, ...]] = field(default_factory=dict)
    fixes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # `Fixes: <sha>` trailers
    releases: set[int] = field(default_factory=set)  # rows whose subject is a release commit's
    # rows whose subject says they revert (`Revert "..."`), and the pull requests reverted by
    # GitHub's button (row -> number), which `resolve_reverts` turns into `reverts`
    revert_subjects: set[int] = field(default_factory=set)
    pull_reverts: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns)

    def sha(self, row: int) -> str:
        return self.columns.sha(row)

    def row(self, sha: str) -> int:
        return self.columns.index(sha)

    def attribution(self, row: int) -> Attribution:
        """The attribution of one row (for tests and single lookups; tallies use the ids)."""
        pairs, _ = self.columns.pairs(array("i", [row]), self.ident_attr)
        return self.attributions[pairs[0][0]]


class HistoryReader:
    """Reads `git log -z` output (`fields` per commit) into a `LoadedHistory` chunk by chunk,
    attributing the commits whose message may carry a marker as they arrive."""

    def __init__(
        self,
        fields: int,
        markers: Markers,
        *,
        mentions: bool,
        releases: re.Pattern[str] | None = RELEASE_SUBJECT,
    ) -> None:
        self._releases = releases
        hints = markers.mention_hints if mentions else ()
        # needle k + len(BUILTIN_NEEDLES) is the hint of tool `_hint_tools[k]`; an empty hint is
        # in every message
        self._hint_tools = [tool for hint, tool in hints if hint]
        self._always_hinted = frozenset(tool for hint, tool in hints if not hint)
        needles = [*BUILTIN_NEEDLES, *(hint.encode() for hint, _ in hints if hint)]
        self._hinted: dict[int, frozenset[str]] = {}
        # The needles let through every built-in release subject; the config's own subjects
        # may hold none of them, so then every message is read.
        every = releases is not None and releases is not RELEASE_SUBJECT
        self.loaded = LoadedHistory(new_history(fields, needles, every=every))
        self._attributor = Attributor(markers, mentions=mentions)
        self._ids: dict[Attribution, int] = {NO_SIGNALS: 0}
        self._kept: dict[int, int] = {id(NO_SIGNALS): 0}
        self._identities: list[tuple[str, str, str, str]] = []
        self._ident_attr: list[int] = []
        self.chunk_attrs: dict[int, int] = {}  # row -> attribution id, for the last chunk's rows

    def identity(self, ident: int) -> tuple[str, str, str, str]:
        """(author name, author email, committer name, committer email) of an identity id."""
        keys = self.loaded.columns.ident_keys
        while len(self._identities) < len(keys):
            a_name, a_email, c_name, c_email = keys[len(self._identities)].split(b"\x00")
            self._identities.append((_text(a_name), _text(a_email), _text(c_name), _text(c_email)))
        return self._identities[ident]

    def attribution_id(self, row: int) -> int:
        """The attribution id of a row of the last chunk."""
        found = self.chunk_attrs.get(row)
        if found is not None:
            return found
        ident = self.loaded.columns.ident(row)
        while len(self._ident_attr) <= ident:
            self._ident_attr.append(self._attribute("", len(self._ident_attr)))
        return self._ident_attr[ident]

    def _attribute(
        self, message: str, ident: int, notes: str = "", hinted: frozenset[str] | None = None
    ) -> int:
        found = self._attributor(message, *self.identity(ident), notes=notes, hinted=hinted)
        # The attributor hands back one object for a recurring answer: found by identity, it
        # needs no hashing (only objects kept in `attributions` are known so, so an id is
        # never one a freed object had).
        number = self._kept.get(id(found))
        if number is not None:
            return number
        number = self._ids.get(found)
        if number is None:
            number = self._ids[found] = len(self.loaded.attributions)
            self.loaded.attributions.append(found)
            self._kept[id(found)] = number
        return number

    def feed(self, chunk: bytes) -> range:
        """Take the next bytes; the rows they completed."""
        return self._take(len(self.loaded.columns), self.loaded.columns.feed(chunk))

    def finish(self) -> range:
        """The end of the stream: the last row, if it had no closing NUL. Resolves the graph."""
        rows = self._take(len(self.loaded.columns), self.loaded.columns.finish())
        columns = self.loaded.columns
        columns.resolve()
        self.loaded.ident_attr = array(
            "i", (self._attribute("", i) for i in range(len(columns.ident_keys)))
        )
        for key in columns.person_keys[len(self.loaded.people) :]:
            name, email = key.split(b"\x00")
            self.loaded.people.append(Person(_text(name), _text(email)))
        return rows

    def _hinted_tools(self, bits: int) -> frozenset[str] | None:
        """The tools whose hints the pre-check found (None: it could not tell)."""
        if bits < 0 or not (self._hint_tools or self._always_hinted):
            return None
        known = self._hinted.get(bits)
        if known is None:
            tools = self._hint_tools
            found = (tools[k] for k in range(len(tools)) if bits >> (k + len(BUILTIN_NEEDLES)) & 1)
            known = self._hinted[bits] = self._always_hinted.union(found)
        return known

    def _take(self, first: int, candidates: list[tuple[int, bytes, bytes, int]]) -> range:
        columns = self.loaded.columns
        self.chunk_attrs = {}
        for row, message_bytes, notes, bits in candidates:
            message = _text(message_bytes)
            attr = self._attribute(
                message, columns.ident(row), _text(notes), self._hinted_tools(bits)
            )
            columns.set_attr(row, attr)
            self.chunk_attrs[row] = attr
            if "This reverts commit" in message and (named := _REVERT.findall(message)):
                self.loaded.reverts[row] = tuple(dict.fromkeys(sha.lower() for sha in named))
            if "ixes:" in message and (fixed := _FIXES.findall(message)):
                self.loaded.fixes[row] = tuple(dict.fromkeys(sha.lower() for sha in fixed))
            if message[:7].lower() == "revert ":
                self.loaded.revert_subjects.add(row)
                if "Reverts " in message and (pulls := _PULL_REVERT.findall(message)):
                    self.loaded.pull_reverts[row] = int(pulls[0])
            if self._releases is not None and self._releases.search(message.split("\n", 1)[0]):
                self.loaded.releases.add(row)
        return range(first, len(columns))


def load_history(
    fields: int,
    chunks: Iterable[bytes],
    markers: Markers,
    *,
    mentions: bool,
    progress: Callable[[int], None] | None = None,
    releases: re.Pattern[str] | None = RELEASE_SUBJECT,
) -> LoadedHistory:
    """Read `git log -z` output (`fields` per commit) into a `LoadedHistory`; `releases` is
    the subject of a release commit (None: none is one)."""
    reader = HistoryReader(fields, markers, mentions=mentions, releases=releases)
    reported = 0
    for chunk in chunks:
        rows = reader.feed(chunk)
        if progress is not None and rows.stop - reported >= 5000:
            reported = rows.stop - rows.stop % 5000
            progress(reported)
    reader.finish()
    return reader.loaded


@dataclass(frozen=True)
class Commit:
    """One commit with its whole message, for the few commits lint and the PR comment read."""

    sha: str
    parents: int
    first_parent: str | None
    author: Person
    committer: Person
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def read_commits(fields: int, chunks: Iterable[bytes]) -> Iterator[Commit]:
    """Every commit of a `git log -z` stream (`fields` per commit), in git's order, read by the
    same columns as the report's history but with every message decoded. The graph is resolved
    at the end of the stream, so the commits come then: for a bounded stream (`--max-count`, a
    pull request's commits), never a whole history."""
    columns = new_history(fields, (), every=True)
    found = [item for chunk in chunks for item in columns.feed(chunk)]
    found += columns.finish()
    columns.resolve()
    for row, message, _, _ in found:
        key = columns.ident_keys[columns.ident(row)]
        a_name, a_email, c_name, c_email = (_text(part) for part in key.split(b"\x00"))
        yield Commit(
            sha=columns.sha(row),
            parents=len(columns.parents(row)),
            first_parent=columns.first_parent_sha(row),
            author=Person(a_name, a_email),
            committer=Person(c_name, c_email),
            message=_text(message),
        )


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def resolve_reverts(
    history: LoadedHistory,
    merged_by: Callable[[Collection[int]], Mapping[int, str]],
    is_ancestor: Callable[[str, str], bool],
) -> None:
    """Settle what each revert reverts, before any commit's state is decided:

    * a revert by GitHub's button names a pull request: it reverts the commit that merged it
      (`merged_by` finds those: a squash whose subject ends `(#M)`, or `Merge pull request #M`);
    * a commit that names reverted commits without saying so in its subject (a squash-merged
      pull request whose body lists a revert of one of its own branch commits) reverts only
      what it could: a named commit that is loaded, or an ancestor of it (`is_ancestor`). One
      that names only commits it never had is work, not a revert."""
    pulls = {
        row: number for row, number in history.pull_reverts.items() if row not in history.reverts
    }
    if pulls:
        merges = merged_by(set(pulls.values()))
        for row, number in pulls.items():
            if number in merges:
                history.reverts[row] = (merges[number],)
    for row, named in list(history.reverts.items()):
        if row in history.revert_subjects or any(history.row(sha) >= 0 for sha in named):
            continue
        if not any(is_ancestor(sha, history.sha(row)) for sha in named):
            del history.reverts[row]


def resolve_prefix(prefix: str, sorted_shas: Sequence[str]) -> str | None:
    """The one sha in `sorted_shas` that starts with `prefix`, or None (absent or ambiguous)."""
    index = bisect_left(sorted_shas, prefix)
    if index == len(sorted_shas) or not sorted_shas[index].startswith(prefix):
        return None
    if index + 1 < len(sorted_shas) and sorted_shas[index + 1].startswith(prefix):
        return None
    return sorted_shas[index]


def revert_targets(
    history: LoadedHistory, known: Collection[int], *, fixes: bool = False
) -> dict[int, tuple[int, ...]]:
    """Revert row -> the rows it reverts, for the reverts among the `known` rows (those that
    shipped or are on the main line); with `fixes`, fix row -> the rows its `Fixes:` trailers
    name. A target is any loaded commit; an abbreviated sha is resolved when it names exactly
    one of them, as git would among the commits it has."""
    targets: dict[int, tuple[int, ...]] = {}
    sorted_shas: list[str] | None = None
    for row, named in (history.fixes if fixes else history.reverts).items():
        if row not in known:
            continue
        found = []
        for target in named:
            hit = history.row(target)
            if hit < 0:
                if sorted_shas is None:
                    sorted_shas = sorted(history.sha(r) for r in range(len(history)))
                resolved = resolve_prefix(target, sorted_shas)
                if resolved is None:
                    continue
                hit = history.row(resolved)
            found.append(hit)
        if found:
            targets[row] = tuple(found)
    return targets


def outside_parents(history: LoadedHistory, rows: Iterable[int]) -> dict[int, str]:
    """Row -> its first parent's sha, for rows whose first parent was not loaded."""
    found = {}
    for row in rows:
        parent = history.columns.first_parent_sha(row)
        if parent is not None:
            found[row] = parent
    return found


def compare_outside(
    history: LoadedHistory, asked: Mapping[int, str], trees: Mapping[str, str]
) -> set[int]:
    """The rows of `asked` (row -> first parent outside) whose tree is their parent's."""
    return {row for row, parent in asked.items() if trees.get(parent) == history.columns.tree(row)}
