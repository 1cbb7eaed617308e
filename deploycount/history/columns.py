"""The history as columns: one row per commit, no Python object per commit.

A report reads every commit of the history, but only a few facts of each: its sha, parents,
tree, time, who wrote it (an id), and, for the few commits whose message can carry a marker, an
attribution. `History` keeps those facts in flat arrays, fed straight from the bytes of
`git log -z` while git is still printing, and runs the loops that touch every commit (the walk
from each deploy, the empty and merge checks, the tallies) over those arrays.

There are two implementations of one interface: the compiled `deploycount.history._speedups.History`
(built from `_speedups.c` when a compiler is at hand) and `PyHistory` below, used otherwise or
with `DEPLOYCOUNT_PURE_PYTHON=1`. A differential test runs both on the same histories and
requires the same reports.

The stream: `fields` NUL-separated fields per commit, in the order of `LOG_FORMAT` below
(%H %P %T %an %ae %aN %aE %cn %ce %ct [%N] %B), commits separated by NUL. The constants here
(the format, the field counts, the states, the range of times) are the only definition: the
compiled twin reads them from this module when it is imported.
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Sequence

LOG_FIELDS = ("%H", "%P", "%T", "%an", "%ae", "%aN", "%aE", "%cn", "%ce", "%ct", "%B")
LOG_FORMAT = "%x00".join(LOG_FIELDS)
# With git-ai notes: the note goes before the message, so the message stays last (git cuts a
# message at a NUL byte, and prints a note's NUL bytes as line ends).
LOG_FORMAT_NOTES = "%x00".join((*LOG_FIELDS[:-1], "%N", "%B"))
FIELDS = len(LOG_FIELDS)
FIELDS_WITH_NOTES = FIELDS + 1
# The states of a shipped commit (`History.states`): counted, reverted by a revert still in
# force, excluded (a merge, an empty commit, a revert), or not known yet (its first parent was
# not loaded: the caller compares the trees).
COUNTED, REVERTED, EXCLUDED, ASK_PARENT = 0, 1, 2, 3
# A committer time is what git printed: decimal seconds, maybe negative, any number of leading
# zeros. A commit made by hand (`git hash-object --literally`) can say anything there; what lies
# outside the years 1 to 9999 (which a datetime holds) is taken as the nearest end of that range,
# by both twins alike. An empty time is 0.
TIME_MIN = -62_135_596_800  # 0001-01-01T00:00:00Z
TIME_MAX = 253_402_300_799  # 9999-12-31T23:59:59Z
EMPTY_TREES = frozenset(
    {
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
    }
)
_EMPTY_TREES_BINARY = frozenset(bytes.fromhex(tree) for tree in EMPTY_TREES)
# The only characters whose str.lower() holds an ASCII letter (İ -> i̇, K -> k): a message with
# one of them is always handed to attribution, whose searches run on the lower-cased text.
_LOWERS_TO_ASCII = (b"\xc4\xb0", b"\xe2\x84\xaa")
_REVERT_TEXT = b"This reverts commit"
_AIDER_SUBJECT = b"aider: "


def new_history(fields: int, needles: Sequence[bytes], *, every: bool = False) -> HistoryColumns:
    """The compiled implementation when it is built (and not turned off), else the Python one.

    `fields` is 11, or 12 with git-ai notes; `needles` are lower-case words (ASCII case-blind)
    any of which makes a message worth attributing, besides the built-in ones (see
    `PyHistory.is_candidate`); with `every`, every message is handed back."""
    if os.environ.get("DEPLOYCOUNT_PURE_PYTHON", "") not in ("", "0"):
        return PyHistory(fields, needles, every=every)
    try:
        from deploycount.history._speedups import History  # noqa: PLC0415
    except ImportError:
        return PyHistory(fields, needles, every=every)
    return History(fields, tuple(needles), every=every)


def compiled() -> bool:
    """Whether the compiled implementation is built (it may still be turned off)."""
    try:
        import deploycount.history._speedups  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


class PyHistory:
    """The columns in pure Python: bytearrays and arrays, a dict from binary sha to row."""

    def __init__(self, fields: int, needles: Sequence[bytes], *, every: bool = False) -> None:
        if fields not in (FIELDS, FIELDS_WITH_NOTES):
            raise ValueError(f"fields must be {FIELDS} or {FIELDS_WITH_NOTES}")
        self.fields = fields
        self.every = every
        self.needles = tuple(n.lower() for n in needles if n)
        self.wide_needles = any(max(n) >= 0x80 for n in self.needles)
        self._pending = b""
        self._width = 0  # bytes of a binary sha: 20 (SHA-1) or 32 (SHA-256)
        self._shas = bytearray()
        self._trees = bytearray()
        self._times = array("q")
        self._idents = array("i")
        self._people = array("i")
        self._attrs = array("i")
        self._parent_start = array("i", [0])
        self._parent_shas: list[bytes] = []
        self._parent_rows = array("i")
        self._rows: dict[bytes, int] = {}
        self._ident_ids: dict[bytes, int] = {}
        self._person_ids: dict[bytes, int] = {}
        self.ident_keys: list[bytes] = []
        self.person_keys: list[bytes] = []
        self._resolved = False

    # -- reading the stream ---------------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[tuple[int, bytes, bytes, int]]:
        """Take the next bytes of the stream; hand back the commits (row, message, note, needle
        bits) whose message may carry a marker, among those the bytes completed."""
        self._check_open()
        data = self._pending + chunk if self._pending else chunk
        parts = data.split(b"\x00")
        width = self.fields
        usable = (len(parts) - 1) // width * width
        self._pending = b"\x00".join(parts[usable:])
        try:
            return self._rows_of(parts, usable)
        except ValueError:
            self._pending = b""  # the stream is broken: what came after the bad commit is dropped
            raise

    def finish(self) -> list[tuple[int, bytes, bytes, int]]:
        """The end of the stream: a last commit without a closing NUL, if any."""
        if not self._pending:
            return []
        self._check_open()
        parts = self._pending.split(b"\x00")
        self._pending = b""
        if len(parts) != self.fields:
            raise ValueError(f"the log ended inside a commit ({len(parts)} fields)")
        return self._rows_of(parts, self.fields)

    def _rows_of(self, parts: list[bytes], usable: int) -> list[tuple[int, bytes, bytes, int]]:
        candidates = []
        notes_field = self.fields == 12
        for start in range(0, usable, self.fields):
            # Everything is checked before anything is kept: a bad commit leaves no half row.
            sha = _binary(parts[start], "a sha that is not hex")
            if len(sha) not in (20, 32) or (self._width and len(sha) != self._width):
                raise ValueError("git printed a sha of another length")
            width = len(sha)
            # parents: shas separated by spaces (only spaces: a tab or a newline is not git's)
            parents = [_binary(parent, "a parent that is not a sha") for parent in
                       parts[start + 1].split(b" ") if parent]  # fmt: skip
            if any(len(parent) != width for parent in parents):
                raise ValueError("git printed a parent that is not a sha")
            tree = _binary(parts[start + 2], "a tree that is not a sha")
            if len(tree) != width:
                raise ValueError("git printed a tree that is not a sha")
            when = parse_time(parts[start + 9])
            self._width = width
            row = len(self._times)
            self._rows[sha] = row
            self._shas += sha
            self._parent_shas += parents
            self._parent_start.append(len(self._parent_shas))
            self._trees += tree
            key = b"\x00".join(parts[start + 3 : start + 5] + parts[start + 7 : start + 9])
            ident = self._ident_ids.get(key)
            if ident is None:
                ident = self._ident_ids[key] = len(self.ident_keys)
                self.ident_keys.append(key)
            self._idents.append(ident)
            key = parts[start + 5] + b"\x00" + parts[start + 6]
            person = self._person_ids.get(key)
            if person is None:
                person = self._person_ids[key] = len(self.person_keys)
                self.person_keys.append(key)
            self._people.append(person)
            self._times.append(when)
            self._attrs.append(-1)
            message = parts[start + self.fields - 1]
            notes = parts[start + 10] if notes_field else b""
            bits = self.needle_bits(message)
            if self._is_candidate(message, notes, bits):
                candidates.append((row, message, notes, bits))
        return candidates

    def _check_open(self) -> None:
        if self._resolved:
            raise ValueError("the history was resolved: it takes no more commits")

    def is_candidate(self, message: bytes, notes: bytes) -> bool:
        """Whether attribution can find anything in the message beyond the identities: it has a
        note, a colon after its first line (trailers and marker lines), a revert line, an aider
        subject, or one of the needles; a message with a character that lower-cases to ASCII
        always counts (and, when a needle is not ASCII, any message that is not ASCII)."""
        return self._is_candidate(message, notes, self.needle_bits(message))

    def _is_candidate(self, message: bytes, notes: bytes, bits: int) -> bool:
        """`is_candidate`, given the message's `needle_bits` (computed once, as in C)."""
        if self.every or notes:
            return True
        newline = message.find(b"\n")
        if newline != -1 and message.find(b":", newline) != -1:
            return True
        if _REVERT_TEXT in message or message[:7].lower() == _AIDER_SUBJECT:
            return True
        return bits != 0  # a needle, or not known: attribution decides

    def needle_bits(self, message: bytes) -> int:
        """Which needles the message holds, ASCII case-blind, as bits (needle k is bit k); -1
        when ASCII case cannot tell (a character whose lower case is ASCII, or a needle that is
        not ASCII in a message that is not), or when there are more than 62 needles."""
        if len(self.needles) > 62:
            return -1
        if not message.isascii() and (
            self.wide_needles or any(special in message for special in _LOWERS_TO_ASCII)
        ):
            return -1
        lowered = message.lower()
        return sum(1 << k for k, needle in enumerate(self.needles) if needle in lowered)

    # -- rows -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._times)

    def sha(self, index: int) -> str:
        width = self._width
        return self._shas[index * width : (index + 1) * width].hex()

    def tree(self, index: int) -> str:
        width = self._width
        return self._trees[index * width : (index + 1) * width].hex()

    def time(self, index: int) -> int:
        return self._times[index]

    def ident(self, index: int) -> int:
        return self._idents[index]

    def person(self, index: int) -> int:
        return self._people[index]

    def set_attr(self, index: int, attr: int) -> None:
        self._attrs[index] = attr

    def index(self, sha: str) -> int:
        """The row of a full sha, or -1 when it was not loaded."""
        if len(sha) != 2 * self._width:
            return -1
        try:
            return self._rows.get(bytes.fromhex(sha), -1)
        except ValueError:
            return -1

    # -- the graph ------------------------------------------------------------------------------

    def resolve(self) -> None:
        """Turn parent shas into rows (-1: not loaded). Call once, after the stream ended."""
        if self._resolved:
            return
        rows = self._rows
        self._parent_rows = array("i", (rows.get(sha, -1) for sha in self._parent_shas))
        self._resolved = True

    def parents(self, index: int) -> tuple[int, ...]:
        return tuple(self._parent_rows[self._parent_start[index] : self._parent_start[index + 1]])

    def first_parent_sha(self, index: int) -> str | None:
        start, end = self._parent_start[index], self._parent_start[index + 1]
        return self._parent_shas[start].hex() if end > start else None

    def walk(
        self, start: int, mark: array[int], value: int, stop: bytes | bytearray | None
    ) -> tuple[array[int], int]:
        """Mark with `value` every row reachable from `start` that `mark` holds as -1, depth
        first, and list them in the order marked. Stops at a row whose `stop` byte is set and
        hands it back as the second value (-1 when none was met)."""
        new = array("i")
        stack = [start]
        starts, rows = self._parent_start, self._parent_rows
        while stack:
            row = stack.pop()
            if row < 0 or mark[row] != -1:
                continue
            if stop is not None and stop[row]:
                return new, row
            mark[row] = value
            new.append(row)
            stack.extend(rows[starts[row] : starts[row + 1]])
        return new, -1

    def states(self, order: array[int]) -> tuple[bytearray, list[int]]:
        """A state per row for the rows of `order` (the others stay COUNTED): EXCLUDED for
        merges and empty commits (the tree of the first parent, or the empty tree for a root),
        ASK_PARENT when the first parent was not loaded; and the rows that asked."""
        state = bytearray(len(self._times))
        ask = []
        width = self._width
        trees = self._trees
        starts, rows = self._parent_start, self._parent_rows
        for row in order:
            first, end = starts[row], starts[row + 1]
            if end - first > 1:
                state[row] = EXCLUDED
                continue
            tree = trees[row * width : (row + 1) * width]
            if end == first:
                if bytes(tree) in _EMPTY_TREES_BINARY:
                    state[row] = EXCLUDED
                continue
            parent = rows[first]
            if parent < 0:
                state[row] = ASK_PARENT
                ask.append(row)
            elif trees[parent * width : (parent + 1) * width] == tree:
                state[row] = EXCLUDED
        return state, ask

    # -- tallies --------------------------------------------------------------------------------

    def pairs(
        self, order: array[int], ident_attr: array[int]
    ) -> tuple[list[tuple[int, int]], array[int]]:
        """The distinct (attribution, person) pairs of the rows of `order`, in order of first
        appearance, and the pair of each position of `order`. A row's attribution is the one
        `set_attr` gave it, else the one of its identities (`ident_attr`)."""
        ids: dict[tuple[int, int], int] = {}
        of = array("i", bytes(4 * len(order)))
        attrs, idents, people = self._attrs, self._idents, self._people
        for position, row in enumerate(order):
            attr = attrs[row]
            key = (attr if attr >= 0 else ident_attr[idents[row]], people[row])
            pair = ids.get(key)
            if pair is None:
                pair = ids[key] = len(ids)
            of[position] = pair
        return list(ids), of

    def tally(  # noqa: PLR0917 - the compiled twin takes positional arguments
        self,
        order: array[int],
        deploy_of: array[int],
        pair_of: array[int],
        slot_of_pair: array[int],
        ai_of_slot: bytes,
        state: bytearray,
        deploy_times: array[float],
    ) -> tuple[
        list[int], list[int], list[list[int]], list[array[float]], list[int], list[int], list[int]
    ]:
        """Sums over the positions of `order`: counted and reverted commits per pair; per slot
        the deploys (sorted) that shipped a counted commit and the lead times (seconds, not
        negative) of its counted commits; the positions of counted commits with a negative lead
        time; counted and AI counted commits per deploy."""
        pairs = len(slot_of_pair)
        slots = len(ai_of_slot)
        counted = [0] * pairs
        reverted = [0] * pairs
        deploys: list[set[int]] = [set() for _ in range(slots)]
        leads = [array("d") for _ in range(slots)]
        negative = []
        per_deploy = [0] * len(deploy_times)
        per_deploy_ai = [0] * len(deploy_times)
        times = self._times
        for position, row in enumerate(order):
            kind = state[row]
            pair = pair_of[position]
            if kind == REVERTED:
                reverted[pair] += 1
                continue
            if kind != COUNTED:
                continue
            counted[pair] += 1
            slot = slot_of_pair[pair]
            deploy = deploy_of[position]
            deploys[slot].add(deploy)
            per_deploy[deploy] += 1
            per_deploy_ai[deploy] += ai_of_slot[slot]
            lead = deploy_times[deploy] - times[row]
            if lead < 0:
                negative.append(position)
            else:
                leads[slot].append(lead)
        return (
            counted,
            reverted,
            [sorted(s) for s in deploys],
            leads,
            negative,
            per_deploy,
            per_deploy_ai,
        )


def parse_time(text: bytes) -> int:
    """A committer time as git printed it, by the rule above `TIME_MIN`."""
    digits = text.removeprefix(b"-")
    if not text:
        return 0
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("git printed a time that is not a number")
    significant = digits.lstrip(b"0")
    value = int(significant or b"0") if len(significant) <= 12 else TIME_MAX + 1  # past either end
    value = -value if text.startswith(b"-") else value
    return min(max(value, TIME_MIN), TIME_MAX)


_HEX_DIGITS = re.compile(rb"[0-9a-fA-F]*")


def _binary(text: bytes, what: str) -> bytes:
    """Hex digits only, as the compiled twin reads them (`bytes.fromhex` alone skips blanks)."""
    if not _HEX_DIGITS.fullmatch(text) or len(text) % 2:
        raise ValueError(f"git printed {what}")
    return bytes.fromhex(text.decode("ascii"))


# The interface of both implementations (the stub of the compiled one names PyHistory's).
HistoryColumns = PyHistory
