"""Build repositories fast with `git fast-import`: one process, any number of commits.

Used by the benchmark (synthetic histories of 100,000+ commits) and by tests that need many
commits with exact messages and identities (the labelled corpus).
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

START = 1_700_000_000  # 2023-11-14, the first synthetic commit


@dataclass
class FastImport:
    """Writes a fast-import stream; marks are the commit numbers, starting at 1."""

    out: IO[bytes]
    marks: int = 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload) + payload + b"\n")

    def commit(
        self,
        *,
        message: bytes,
        author: str,
        committer: str,
        when: int,
        parents: list[int],
        files: dict[str, bytes] | None = None,
        ref: str = "refs/heads/main",
    ) -> int:
        self.marks += 1
        self.out.write(b"commit %s\nmark :%d\n" % (ref.encode(), self.marks))
        self.out.write(b"author %s %d +0000\n" % (author.encode(), when))
        self.out.write(b"committer %s %d +0000\n" % (committer.encode(), when))
        self._data(message)
        if parents:
            self.out.write(b"from :%d\n" % parents[0])
            for parent in parents[1:]:
                self.out.write(b"merge :%d\n" % parent)
        for path, content in (files or {}).items():
            self.out.write(b"M 100644 inline %s\n" % path.encode())
            self._data(content)
        return self.marks

    def notes(self, ref: str, notes: dict[int, bytes], *, when: int = START) -> None:
        """One commit on the notes ref `ref` attaching `notes[mark]` to each commit `mark`."""
        self.out.write(b"commit %s\n" % ref.encode())
        self.out.write(b"committer Notes <notes@example.com> %d +0000\n" % when)
        self._data(b"notes")
        for mark, note in notes.items():
            self.out.write(b"N inline :%d\n" % mark)
            self._data(note)

    def tag(self, name: str, mark: int, *, when: int | None = None) -> None:
        """An annotated tag at `when`, else a lightweight one."""
        if when is None:
            self.out.write(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), mark))
            return
        self.out.write(b"tag %s\nfrom :%d\n" % (name.encode(), mark))
        self.out.write(b"tagger Release Bot <release@example.com> %d +0000\n" % when)
        self._data(f"release {name}".encode())


def run_fast_import(repo: Path) -> subprocess.Popen[bytes]:
    """`git init` then a fast-import process reading the stream from its stdin."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    return subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=repo, stdin=subprocess.PIPE
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    assert process.stdin is not None
    process.stdin.write(b"done\n")
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("git fast-import failed")


AI_MARKERS = [
    "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    "\n\nAssisted-by: Claude:claude-opus-4\n",
    "\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
    "Co-authored-by: Claude <noreply@anthropic.com>\n",
    "\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n",
    "\n\nMade-with: Cursor\n",
    "\n\nAI-Assisted: codex\n",
]
BODY_WORDS = [
    "fix",
    "parser",
    "cache",
    "retry",
    "window",
    "deploy",
    "metric",
    "report",
    "signal",
    "tree",
    "graph",
    "merge",
]


@dataclass
class SynthSpec:
    """The shape of a synthetic history (issue 7's main case is 200,000 commits)."""

    commits: int = 200_000
    ai_share: float = 0.30
    merge_every: int = 20
    tag_every: int = 100
    people: int = 40
    seconds_between: int = 600
    seed: int = 7
    tags: list[tuple[str, int]] = field(default_factory=list)


def build_synthetic(repo: Path, spec: SynthSpec) -> int:
    """A linear main line with a topic merge every `merge_every` commits and a release tag every
    `tag_every`; about `ai_share` of commits carry a mixed AI marker. Returns the last time."""
    rng = random.Random(spec.seed)
    process = run_fast_import(repo)
    assert process.stdin is not None
    writer = FastImport(process.stdin)
    people = [f"Person {i} <person{i}@example.com>" for i in range(spec.people)]
    head = 0
    when = START
    release = 0
    for number in range(1, spec.commits + 1):
        when += spec.seconds_between
        who = people[rng.randrange(len(people))]
        words = " ".join(rng.choice(BODY_WORDS) for _ in range(rng.randint(8, 40)))
        message = (
            f"{rng.choice(['fix', 'feat', 'chore', 'refactor'])}: change {number}\n\n{words}\n"
        )
        if rng.random() < spec.ai_share:
            message = message.rstrip("\n") + rng.choice(AI_MARKERS)
        files = {f"src/file{number % 97}.txt": f"{number}\n".encode()}
        if number % spec.merge_every == 0 and head:
            # A topic commit off the previous main commit, merged back.
            topic = writer.commit(
                message=message.encode(),
                author=who,
                committer=who,
                when=when,
                parents=[head],
                files=files,
                ref="refs/heads/topic",
            )
            when += 1
            head = writer.commit(
                message=f"Merge topic {number}\n".encode(),
                author=who,
                committer=who,
                when=when,
                parents=[head, topic],
            )
        else:
            head = writer.commit(
                message=message.encode(),
                author=who,
                committer=who,
                when=when,
                parents=[head] if head else [],
                files=files,
            )
        if number % spec.tag_every == 0:
            release += 1
            name = f"v{release // 100}.{release % 100}.0"
            writer.tag(name, head, when=when + 300)
            spec.tags.append((name, when + 300))
    finish(process)
    # fast-import leaves every tag as a loose file; a clone's refs come packed.
    subprocess.run(["git", "pack-refs", "--all"], cwd=repo, check=True)
    return when
