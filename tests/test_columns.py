"""The compiled history (`_speedups.c`) against its pure-Python twin (`columns.PyHistory`): the
same answers to every call on generated histories, the same reports on real repositories; and
the pre-check both use never hides a marker from attribution."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
from array import array
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.synth import SynthSpec, build_synthetic
from deploycount.attribution import attribute, builtin_markers
from deploycount.history.columns import TIME_MAX, TIME_MIN, PyHistory, compiled
from deploycount.history.reading import BUILTIN_NEEDLES, read_commits
from deploycount.identity import Person
from tests.history_rows import Row, hexsha, log_bytes
from tests.test_attribution_fastpath import IDENTITIES, LINES
from tests.test_corpus import corpus_rows, import_rows

if compiled():
    from deploycount.history._speedups import History as CHistory

needs_extension = pytest.mark.skipif(
    not compiled() and not os.environ.get("CI"),
    reason="the extension is not built here (pip install -e . builds it); CI requires it",
)
_REVERT = re.compile(r"This reverts commit ([0-9a-fA-F]{7,64})\b")


def test_the_extension_is_built_in_ci() -> None:
    """CI installs with a compiler: a missing extension there is a failure, not a fallback."""
    if not os.environ.get("CI"):
        pytest.skip("only CI insists on the extension")
    assert compiled(), "deploycount.history._speedups was not built: see the pip install output"


# -- the pre-check ---------------------------------------------------------------------------

texts = st.one_of(
    st.lists(st.sampled_from(LINES), max_size=8).map("\n".join),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.lists(st.sampled_from([*LINES, "İ", "K", "KIRO", "Generated", "é"]), max_size=6).map(
        " ".join
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    message=texts,
    author=st.sampled_from(IDENTITIES),
    committer=st.sampled_from(IDENTITIES),
    mentions=st.booleans(),
)
def test_a_message_left_out_by_the_precheck_has_nothing_to_find(
    message: str, author: tuple[str, str], committer: tuple[str, str], mentions: bool
) -> None:
    markers = builtin_markers()
    needles = list(BUILTIN_NEEDLES)
    if mentions:
        needles += [hint.encode() for hint, _ in markers.mention_hints]
    history = PyHistory(11, needles)
    bits = history.needle_bits(message.encode())
    if bits >= 0:  # the needles the pre-check reports are those the lower-cased text holds
        lowered = message.lower()
        assert bits == sum(1 << k for k, n in enumerate(needles) if n.decode() in lowered)
    if history.is_candidate(message.encode(), b""):
        return
    people = Person(*author), Person(*committer)
    found = attribute(message, *people, markers, mentions=mentions)
    assert found == attribute("", *people, markers, mentions=mentions)
    assert _REVERT.search(message) is None


@pytest.mark.corpus
def test_the_precheck_on_the_corpus() -> None:
    """Every labelled real message whose attribution finds more than its identities is a
    candidate, at both confidences."""
    markers = builtin_markers()
    for mentions in (False, True):
        needles = list(BUILTIN_NEEDLES)
        if mentions:
            needles += [hint.encode() for hint, _ in markers.mention_hints]
        check = PyHistory(11, needles)
        for row in corpus_rows():
            author, committer = _person(row["author"]), _person(row["committer"])
            found = attribute(row["message"], author, committer, markers, mentions=mentions)
            if found != attribute("", author, committer, markers, mentions=mentions):
                assert check.is_candidate(row["message"].encode(), b""), row["message"][:200]


def _person(ident: str) -> Person:
    name, _, email = ident.rpartition(" <")
    return Person(name, email.rstrip(">"))


# -- the two implementations, call by call -----------------------------------------------------


@st.composite
def histories(draw: Any) -> tuple[list[Row], bool]:
    count = draw(st.integers(0, 30))
    names = [f"c{n}" for n in range(count)]
    rows = []
    for index, name in enumerate(names):
        # git prints children first: parents come later in the list, or are outside it
        later = [*names[index + 1 :], "outside1", "outside2"]
        parents = draw(st.lists(st.sampled_from(later), max_size=3, unique=True))
        identity = draw(st.sampled_from(IDENTITIES))
        rows.append(
            Row(
                name,
                tuple(parents),
                draw(st.sampled_from(["t1", "t2", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"])),
                draw(st.integers(-5, 2_000_000_000)),
                Person(*identity),
                draw(texts).split("\x00")[0],  # git cuts a message at its first NUL
                Person(*draw(st.sampled_from(IDENTITIES))),
                draw(st.sampled_from(["", "", "note"])),
            )
        )
    return rows, draw(st.booleans())


def _feed(history: Any, data: bytes, cuts: list[int]) -> list[Any]:
    candidates = []
    start = 0
    for cut in [*sorted({c % (len(data) + 1) for c in cuts}), len(data)]:
        candidates += history.feed(data[start:cut])
        start = cut
    candidates += history.finish()
    history.resolve()
    return candidates


def _everything(history: Any, rows: list[Row], rng: random.Random) -> list[Any]:
    """Every answer the interface gives about `history`, in one list; the arguments of the
    calls come from `rng`, so both implementations are asked the same."""
    count = len(history)
    out: list[Any] = [count, list(history.ident_keys), list(history.person_keys)]
    for row in range(count):
        out.append((history.sha(row), history.tree(row), history.time(row), history.ident(row),
                    history.person(row), history.parents(row), history.first_parent_sha(row)))  # fmt: skip
    out.append([history.index(hexsha(r.name)) for r in rows] + [history.index("0" * 40)])
    if count == 0:
        return out
    for _ in range(rng.randint(0, count)):
        history.set_attr(rng.randrange(count), rng.randint(0, 5))
    mark = array("i", [-1]) * count
    stop = bytearray(rng.random() < 0.2 for _ in range(count))
    for value in range(rng.randint(0, 5)):
        start = rng.randint(-1, count - 1)
        out.append(history.walk(start, mark, value, stop if value % 2 else None))
    out.append(list(mark))
    order = array("i", (rng.randrange(count) for _ in range(rng.randint(0, 2 * count))))
    state, asked = history.states(order)
    out += [bytes(state), asked]
    idents = len(history.ident_keys)
    ident_attr = array("i", (rng.randint(0, 3) for _ in range(idents)))
    pairs, pair_of = history.pairs(order, ident_attr)
    out += [pairs, list(pair_of)]
    slots = rng.randint(1, 3)
    slot_of_pair = array("i", (rng.randrange(slots) for _ in pairs))
    ai_of_slot = bytes(rng.randint(0, 1) for _ in range(slots))
    deploys = rng.randint(1, 4)
    deploy_of = array("i", (rng.randrange(deploys) for _ in order))
    # some deploys at the very second of a commit: a lead time of exactly zero
    times = array("d", (rng.choice([rng.uniform(-1e9, 3e9), float(history.time(rng.randrange(count)))])
                        for _ in range(deploys)))  # fmt: skip
    for row in range(count):
        state[row] = rng.choice([0, 0, 1, 2])
    out.append(history.tally(order, deploy_of, pair_of, slot_of_pair, ai_of_slot, state, times))
    return out


# Needles that share first bytes and pairs, needles of one byte, one that is not ASCII, and one
# with a space: the compiled search looks at each byte once, in buckets by the first two bytes.
NEEDLES = [b"generated", b"claude", b"cl", b"c", b"k", b"kiro", b"ro", b"roo", b"amp code",
           b"Copilot", b"\xc3\xa9"]  # fmt: skip


@needs_extension
@settings(max_examples=300, deadline=None)
@given(
    history=histories(),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
    seed=st.integers(0, 2**32),
    needles=st.lists(st.sampled_from(NEEDLES), max_size=6),
    every=st.booleans(),
)
def test_both_implementations_answer_alike(
    history: tuple[list[Row], bool], cuts: list[int], seed: int, needles: list[bytes], every: bool
) -> None:
    rows, notes = history
    stream = log_bytes(rows, notes=notes)
    fields = 12 if notes else 11
    python = PyHistory(fields, needles, every=every)
    compiled_twin = CHistory(fields, needles, every=every)
    assert _feed(python, stream, cuts) == _feed(compiled_twin, stream, cuts)
    assert _everything(python, rows, random.Random(seed)) == _everything(
        compiled_twin, rows, random.Random(seed)
    )


def test_every_message_is_handed_back_when_asked_and_read_commits_reads_them() -> None:
    """`every=True` (lint and the PR comment): a message that can carry no marker comes back
    too, and `read_commits` makes commits of them with their parents, people and whole text."""
    rows = [Row("a", (), message="plain words"), Row("b", ("a",), message="feat: x\n\nbody"),
            Row("m", ("b", "side"), message="Merge side")]  # fmt: skip
    stream = log_bytes(rows)
    twins = [PyHistory] + ([CHistory] if compiled() else [])
    for twin in twins:
        picky, every = twin(11, []), twin(11, [], every=True)
        assert [row for row, *_ in picky.feed(stream)] == []  # no colon after a first line
        assert [(row, message) for row, message, _, _ in every.feed(stream)] == [
            (0, b"plain words"), (1, b"feat: x\n\nbody"), (2, b"Merge side"),
        ]  # fmt: skip
    commits = list(read_commits(11, [stream[:5], stream[5:]]))
    assert [(c.sha, c.parents, c.first_parent, c.subject) for c in commits] == [
        (hexsha("a"), 0, None, "plain words"),
        (hexsha("b"), 1, hexsha("a"), "feat: x"),
        (hexsha("m"), 2, hexsha("b"), "Merge side"),
    ]
    assert commits[1].message == "feat: x\n\nbody" and commits[0].author == Person("A", "a@x")


def _with_field(number: int, value: bytes) -> bytes:
    fields = log_bytes([Row("b", ("a", "c"))]).rstrip(b"\x00").split(b"\x00")
    fields[number] = value
    return b"\x00".join(fields) + b"\x00"


BLANKS_IN_HEX = {
    "a blank inside the sha": (0, hexsha("b")[:20].encode() + b" " + hexsha("b")[21:].encode()),
    "a tab between parents": (1, hexsha("a").encode() + b"\t" + hexsha("c").encode()),
    "a newline between parents": (1, hexsha("a").encode() + b"\n" + hexsha("c").encode()),
    "a blank inside a parent": (1, hexsha("a")[:20].encode() + b" " + hexsha("a")[20:].encode()),
    "a blank inside the tree": (2, b" " + hexsha("t").encode()[1:]),
}


@needs_extension
@pytest.mark.parametrize("where", sorted(BLANKS_IN_HEX))
def test_both_refuse_blanks_inside_hex_fields_alike(where: str) -> None:
    """git never prints them; `bytes.fromhex` skipped blanks and `split()` split on any, so the
    Python twin read what the compiled one refused."""
    stream = _with_field(*BLANKS_IN_HEX[where])
    answers = []
    for implementation in (PyHistory(11, []), CHistory(11, [])):
        with pytest.raises(ValueError, match="git printed") as refused:
            implementation.feed(stream)
        answers.append((str(refused.value), len(implementation)))
    assert answers[0] == answers[1] and answers[0][1] == 0


def test_parents_separated_by_several_spaces_are_read_alike() -> None:
    stream = _with_field(1, hexsha("a").encode() + b"   " + hexsha("c").encode())
    for twin in [PyHistory] + ([CHistory] if compiled() else []):
        history = twin(11, [])
        history.feed(stream)
        history.finish()
        assert history.first_parent_sha(0) == hexsha("a")


@needs_extension
def test_a_failed_init_leaves_nothing_a_later_init_reads() -> None:
    """A non-ASCII needle made the first __init__ note "wide needles" before it failed on the
    next one; a second __init__ kept that, and read every non-ASCII message as unknown (-1)."""
    stream = log_bytes([Row("a", (), message="café x")])
    history = CHistory.__new__(CHistory)
    with pytest.raises(TypeError):
        history.__init__(11, [b"\xc3\xa9", 5])  # type: ignore[misc, list-item]
    history.__init__(11, [b"x"])  # type: ignore[misc]
    fresh = CHistory(11, [b"x"])
    assert history.feed(stream) == fresh.feed(stream) == PyHistory(11, [b"x"]).feed(stream)
    assert fresh.feed(log_bytes([Row("b", (), message="café x")]))[0][3] == 1  # needle 0 found


@needs_extension
@pytest.mark.parametrize(
    "stream",
    [
        b"nothex" + b"\x00" * 11,
        b"a" * 40 + b"\x00zz\x00" + b"\x00" * 9,
        b"a" * 40 + b"\x00\x00" + b"b" * 40 + b"\x00" * 7 + b"12x\x00msg\x00",
        b"a" * 40 + b"\x00" * 3,
    ],
)
def test_both_refuse_a_broken_stream(stream: bytes) -> None:
    for implementation in (PyHistory(11, []), CHistory(11, [])):

        def read(history: Any = implementation) -> None:
            history.feed(stream)
            history.finish()

        with pytest.raises(ValueError, match=r"git printed|the log ended"):
            read()


# -- whole reports on real repositories ----------------------------------------------------------


def _report(repo: Path, *args: str, pure: bool) -> str:
    env = {**os.environ, "DEPLOYCOUNT_PURE_PYTHON": "1" if pure else "0"}
    env.pop("GITHUB_REPOSITORY", None)
    done = subprocess.run(
        [sys.executable, "-m", "deploycount", "report", "--format", "json", *args],
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tag_every(repo: Path, step: int) -> None:
    shas = subprocess.run(["git", "rev-list", "--reverse", "HEAD"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.split()  # fmt: skip
    for number, sha in enumerate(shas[step - 1 :: step], start=1):
        subprocess.run(["git", "tag", f"v0.{number}.0", sha], cwd=repo, check=True)


def _dated(moment: str) -> dict[str, str]:
    """The environment for a git commit made at `moment` (and a lightweight tag of it)."""
    return {**os.environ, "GIT_AUTHOR_DATE": moment, "GIT_COMMITTER_DATE": moment}


# Every window ends in the past, and every commit is dated inside it: a window open to now makes
# `weeks` depend on the second each report ran, and two runs a few seconds apart may then round
# apart (seen once in CI).
WINDOWS = [
    ("--since", "2000-01-01", "--until", "2025-01-01"),
    ("--since", "2000-01-01", "--until", "2025-01-01", "--min-confidence", "low"),
    ("--since", "2023-11-01", "--until", "2024-01-01", "--every", "1w"),
]


@pytest.mark.corpus
@needs_extension
@pytest.mark.slow
def test_same_reports_on_the_corpus(tmp_path: Path) -> None:
    repo = import_rows(corpus_rows(), tmp_path / "corpus")
    _tag_every(repo, 20)
    for window in WINDOWS:
        compiled_report = _report(repo, *window, pure=False)
        assert json.loads(compiled_report)  # a real report, not an empty answer
        assert compiled_report == _report(repo, *window, pure=True), window


@needs_extension
@pytest.mark.slow
def test_same_reports_on_a_synthetic_history(tmp_path: Path) -> None:
    """Merges, topic branches, tags, AI markers, and reverts of shipped commits."""
    repo = tmp_path / "synthetic"
    build_synthetic(repo, SynthSpec(commits=2_000, tag_every=30, seconds_between=1800))
    after = _dated("2024-01-20T00:00:00Z")  # after the history, inside the windows, not now
    for target in ("HEAD~40", "HEAD~300"):
        subprocess.run(["git", "-c", "user.name=R", "-c", "user.email=r@x", "revert",
                        "--no-edit", target], cwd=repo, env=after, check=False,
                       capture_output=True)  # fmt: skip
    subprocess.run(["git", "-c", "user.name=R", "-c", "user.email=r@x", "commit",
                    "--allow-empty", "-qm", "empty"], cwd=repo, env=after, check=True)  # fmt: skip
    subprocess.run(["git", "tag", "v9.0.0"], cwd=repo, check=True)
    reports = [_report(repo, *window, pure=False) for window in WINDOWS]
    assert json.loads(reports[0])["totals"]["reverted_commits"]
    assert reports == [_report(repo, *window, pure=True) for window in WINDOWS]


@needs_extension
def test_same_reports_on_a_sha256_repository(tmp_path: Path) -> None:
    """Shas of 32 bytes: an empty commit, a root, AI markers, three releases."""
    repo = tmp_path / "sha256"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(repo)], check=True)

    days = iter(range(1, 10))

    def commit(message: str, *, empty: bool = False, content: str = "") -> None:
        if not empty:
            (repo / "f").write_text(content)
            subprocess.run(["git", "add", "f"], cwd=repo, check=True)
        subprocess.run(["git", "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-q",
                        "--allow-empty", "-m", message], cwd=repo, check=True,
                       env=_dated(f"2024-03-0{next(days)}T10:00:00Z"))  # fmt: skip

    commit("root", empty=True)
    subprocess.run(["git", "tag", "v0.1.0"], cwd=repo, check=True)
    commit("feat: x\n\nCo-authored-by: Claude <noreply@anthropic.com>", content="x")
    commit("nothing changed", empty=True)
    subprocess.run(["git", "tag", "v1.0.0"], cwd=repo, check=True)
    commit("fix: y\n\nAssisted-by: Cursor", content="y")
    subprocess.run(["git", "tag", "v1.1.0"], cwd=repo, check=True)
    window = WINDOWS[0]
    compiled_report = _report(repo, *window, pure=False)
    totals = json.loads(compiled_report)["totals"]
    assert (totals["commits"], totals["ai_commits"]) == (2, 2)  # the empty commit never counts
    assert compiled_report == _report(repo, *window, pure=True)


# -- outside input the two twins must take alike (README "Hostile input") ------------------------


def _one_commit(time: bytes, *, parent: bytes = b"") -> bytes:
    fields = [b"a" * 40, parent, b"b" * 40, b"A", b"a@x", b"A", b"a@x", b"C", b"c@x", time, b"m"]
    return b"\x00".join(fields) + b"\x00"


ODD_TIMES = [
    b"9223372036854775807",  # a commit made with `git hash-object --literally`
    b"18446744073709551615",
    b"0" * 4400 + b"1700000000",  # past int()'s digit limit, yet an ordinary time
    b"-99999999999999999999",
    b"253402300800",  # one second past the end of year 9999
    b"-62135596801",
    b"00000",
    b"",
    b"1700000000",
]


@needs_extension
@pytest.mark.parametrize("time", ODD_TIMES, ids=lambda t: t[:24].decode() or "empty")
def test_both_take_any_time_by_one_rule(time: bytes) -> None:
    """A time out of the years 1 to 9999 is the nearest end of that range, in both twins."""
    answers = []
    for history in (PyHistory(11, []), CHistory(11, [])):
        history.feed(_one_commit(time))
        history.finish()
        answers.append(history.time(0))
    assert answers[0] == answers[1]
    assert TIME_MIN <= answers[0] <= TIME_MAX


@needs_extension
@pytest.mark.parametrize("time", [b"-", b"12x", b"1 2", b"+5", "١٢".encode()])
def test_both_refuse_a_time_that_is_not_a_number(time: bytes) -> None:
    for history in (PyHistory(11, []), CHistory(11, [])):
        with pytest.raises(ValueError, match="a time that is not a number"):
            history.feed(_one_commit(time))


@needs_extension
@pytest.mark.parametrize("make", [PyHistory, "compiled"])
def test_a_refused_commit_leaves_no_half_row(make: Any) -> None:
    """A commit refused half-way (its parent is not a sha) keeps nothing of itself: the next
    commit is row 0, with its own parents, tree and time."""
    history = CHistory(11, []) if make == "compiled" else make(11, [])
    with pytest.raises(ValueError, match="a parent that is not a sha"):
        history.feed(_one_commit(b"5", parent=b"c" * 40 + b" zz"))
    good = _one_commit(b"7", parent=b"d" * 40).replace(b"a" * 40, b"e" * 40, 1)
    history.feed(good)
    history.resolve()
    assert len(history) == 1
    assert (history.sha(0), history.time(0), history.parents(0)) == ("e" * 40, 7, (-1,))
    assert history.first_parent_sha(0) == "d" * 40


MISUSE = [
    "History.__new__(History).ident_keys",
    "History.__new__(History).person_keys",
    "History.__new__(History).feed(b'x')",
    "History.__new__(History).resolve()",
    "History.__new__(History).sha(0)",
    "History.__new__(History).states(array('i'))",
    "h = History(11, ()); h.__init__(11, ())",
    "h = History(11, ()); h.feed(b'a' * 40); h.resolve(); h.finish(); h.parents(0)",
    "h = History(11, ()); h.resolve(); h.feed(b'x')",
]


@needs_extension
@pytest.mark.parametrize("call", MISUSE)
def test_misusing_the_extension_raises_and_never_crashes(call: str) -> None:
    """Each call runs in a process of its own: a crash would end it with a signal."""
    code = (
        "from array import array\nfrom deploycount.history._speedups import History\n"
        f"try:\n    {call}\nexcept (ValueError, TypeError, IndexError) as error:\n"
        "    print(type(error).__name__)\nelse:\n    print('no error')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in {"ValueError", "TypeError", "IndexError"}, done.stdout


@needs_extension
def test_shas_made_to_collide_cost_no_more_than_others() -> None:
    """40,000 commits whose shas share their first 16 bytes (a table hashed on a known part of
    the id puts them all in one slot: 10 s of probing before the id was hashed whole, with a
    key of its own per process). Both twins resolve them in linear time."""
    import time

    def stream(shas: list[bytes]) -> bytes:
        return b"".join(
            b"\x00".join([sha, b"", b"b" * 40, b"A", b"a@x", b"A", b"a@x", b"C", b"c@x", b"1",
                          b"m"]) + b"\x00"
            for sha in shas
        )  # fmt: skip

    crafted = [b"0" * 32 + b"%08x" % n for n in range(40_000)]
    spread = [hashlib.sha1(b"%d" % n).hexdigest().encode() for n in range(40_000)]
    seconds = {}
    for name, shas in (("crafted", crafted), ("spread", spread)):
        history = CHistory(11, [])
        history.feed(stream(shas))
        started = time.perf_counter()
        history.resolve()
        assert history.index(shas[-1].decode()) == len(shas) - 1
        seconds[name] = time.perf_counter() - started
    # Generous: a machine under load can slow one of the two, never by 25 times.
    assert seconds["crafted"] < max(25 * seconds["spread"], 0.5), seconds
