"""The only module that runs git.

Bulk reads go through one streamed `git log` whose fields are NUL-separated (git cuts a message at
its first NUL byte, so the stream cannot be misread); other questions (which shas exist, tags,
mailmap) are answered by one batch process each, never one process per commit.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from deploycount.attribution import Person
from deploycount.errors import RepositoryError

# Settings that make git's output the same whatever the user's or the system's git config says.
_GIT = (
    "git",
    "-c", "i18n.logOutputEncoding=UTF-8",
    "-c", "log.showSignature=false",
    "-c", "color.ui=never",
    "-c", "core.quotePath=false",
    "--no-replace-objects",
)  # fmt: skip
_LOG_FIELDS = ("%H", "%P", "%T", "%an", "%ae", "%aN", "%aE", "%cn", "%ce", "%ct", "%B")
LOG_FORMAT = "%x00".join(_LOG_FIELDS)
_FIELD_COUNT = len(_LOG_FIELDS)
_CHUNK = 1 << 20
_HEX = re.compile(r"^[0-9a-fA-F]{4,64}$")


@dataclass(frozen=True, slots=True)
class RawCommit:
    """One commit as git printed it. `author_mapped` is the author after `.mailmap`."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    author: Person
    author_mapped: Person
    committer: Person
    committed_at: int
    message: str


@dataclass(frozen=True, slots=True)
class TagRef:
    """A tag and the object it names, with the contract's deploy time (tagger or commit date)."""

    name: str
    target: str
    created_at: int | None


class Repository:
    """A git repository on disk, found from any directory inside it."""

    def __init__(self, path: str | os.PathLike[str] = ".") -> None:
        try:
            self._repo = git.Repo(path, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepositoryError(
                f"{Path(path).resolve()} is not inside a git repository: "
                "run deploycount in a clone of the repository (or pass -C DIR)"
            ) from None
        self.git_dir = Path(self._repo.git_dir)
        self.root = Path(self._repo.working_tree_dir or self._repo.git_dir)

    # -- plumbing -------------------------------------------------------------------------------

    def _run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
        try:
            result = subprocess.run(
                [*_GIT, *args], cwd=self.root, input=stdin, capture_output=True, check=False
            )
        except OSError as error:
            raise RepositoryError(f"could not run git: {error}") from None
        if check and result.returncode != 0:
            raise RepositoryError(_git_failure(args[0], result.stderr))
        return result.stdout

    def _run_text(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        data = self._run(*args, stdin=stdin.encode() if stdin is not None else None, check=check)
        return data.decode("utf-8", "replace")

    # -- questions ------------------------------------------------------------------------------

    def is_shallow(self) -> bool:
        return self._run_text("rev-parse", "--is-shallow-repository").strip() == "true"

    def shallow_commits(self) -> frozenset[str]:
        """Commits whose parents a shallow clone does not have."""
        path = self.git_dir / "shallow"
        if not path.exists():
            return frozenset()
        return frozenset(path.read_text().split())

    def has_head(self) -> bool:
        return bool(self._run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False))

    def head(self) -> str | None:
        out = self._run_text("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return out.strip() or None

    def resolve_commits(self, names: Iterable[str]) -> dict[str, str | None]:
        """Map each commit-ish to the full sha of its commit, or None when it is not here."""
        unique = list(dict.fromkeys(names))
        result: dict[str, str | None] = dict.fromkeys(unique)
        # Only object names or ref names go to git; a newline or space would split the batch.
        askable = [n for n in unique if n and not any(c.isspace() for c in n)]
        if not askable:
            return result
        request = "".join(f"{name}^{{commit}}\n" for name in askable)
        lines = self._run_text("cat-file", "--batch-check", stdin=request).splitlines()
        for name, line in zip(askable, lines, strict=False):
            parts = line.split()
            if len(parts) == 3 and parts[1] == "commit":
                result[name] = parts[0]
        return result

    def tags(self) -> list[TagRef]:
        fmt = "%(refname:strip=2)%00%(objectname)%00%(creatordate:unix)"
        out = self._run_text("for-each-ref", "--sort=creatordate", f"--format={fmt}", "refs/tags")
        tags = []
        for line in out.splitlines():
            name, target, created = line.split("\x00")
            tags.append(TagRef(name, target, int(created) if created.strip() else None))
        return tags

    def trees(self, shas: Iterable[str]) -> dict[str, str]:
        """Tree of each commit, in one process (for parents outside the loaded history)."""
        wanted = [s for s in dict.fromkeys(shas) if _HEX.match(s)]
        if not wanted:
            return {}
        out = self._run_text(
            "log", "--no-walk=unsorted", "--format=%H %T", "--stdin", stdin="\n".join(wanted) + "\n"
        )
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    def check_mailmap(self, people: Iterable[Person]) -> dict[Person, Person]:
        """Apply `.mailmap` (and mailmap.file/blob) to trailer identities, in a few batches."""
        unique = [p for p in dict.fromkeys(people) if "<" not in p.name and ">" not in p.email]
        mapped: dict[Person, Person] = {}
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            out = self._run_text("check-mailmap", *(str(p) for p in batch)).splitlines()
            for person, line in zip(batch, out, strict=False):
                name, _, email = line.rpartition(" <")
                mapped[person] = Person(name, email.rstrip(">"))
        return mapped

    def notes(self, ref: str) -> list[tuple[str, str]]:
        """(annotated commit, note text) for every note under `ref`; empty when there is none."""
        if not self._run("rev-parse", "--verify", "--quiet", ref, check=False).strip():
            return []
        listing = self._run_text("notes", f"--ref={ref}", "list").split()
        pairs = list(zip(listing[0::2], listing[1::2], strict=True))
        if not pairs:
            return []
        request = "".join(f"{blob}\n" for blob, _ in pairs).encode()
        data = self._run("cat-file", "--batch", stdin=request)
        texts = _split_batch(data, len(pairs))
        return [(commit, text) for (_, commit), text in zip(pairs, texts, strict=True)]

    def remote_url(self, name: str = "origin") -> str | None:
        try:
            return str(self._repo.remote(name).url)
        except (ValueError, git.GitCommandError):
            return None

    def git_config(self, key: str) -> str | None:
        out = self._run_text("config", "--get", key, check=False).strip()
        return out or None

    # -- the history ----------------------------------------------------------------------------

    def log(
        self,
        include: Sequence[str],
        exclude: Sequence[str] = (),
        *,
        local_refs: bool = False,
    ) -> Iterator[RawCommit]:
        """Stream every commit reachable from `include` (and, with `local_refs`, HEAD, branches and
        remote-tracking branches) but not from `exclude`, through one `git log` process."""
        revs = [*include, *(f"^{sha}" for sha in exclude)]
        args = ["log", "-z", f"--format={LOG_FORMAT}", "--stdin"]
        if local_refs:
            args += ["--branches", "--remotes"]
            if self.has_head():
                args.append("HEAD")
        elif not include:
            return
        yield from self._stream_log(args, "".join(f"{rev}\n" for rev in revs))

    def log_range(
        self, revrange: Sequence[str], *, max_count: int | None = None
    ) -> Iterator[RawCommit]:
        """Stream the commits of a user's rev range (`main..topic`, `v1.0...HEAD`, `HEAD`)."""
        for rev in revrange:
            if rev.startswith("-"):
                raise RepositoryError(f"{rev!r} is not a revision range (options go before it)")
        if not self.has_head() and list(revrange) == ["HEAD"]:
            return
        limit = [f"--max-count={max_count}"] if max_count else []
        args = ["log", "-z", f"--format={LOG_FORMAT}", *limit, "--end-of-options", *revrange, "--"]
        yield from self._stream_log(args, None)

    def _stream_log(self, args: list[str], stdin_text: str | None) -> Iterator[RawCommit]:
        with tempfile.TemporaryFile() as errors:
            try:
                process = subprocess.Popen(
                    [*_GIT, *args],
                    cwd=self.root,
                    stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                )
            except OSError as error:
                raise RepositoryError(f"could not run git: {error}") from None
            stdout = process.stdout
            assert stdout is not None
            try:
                if stdin_text is not None:
                    assert process.stdin is not None
                    process.stdin.write(stdin_text.encode())
                    process.stdin.close()
                yield from parse_log_stream(iter(lambda: stdout.read(_CHUNK), b""))
            finally:
                stdout.close()
                returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                raise RepositoryError(_git_failure("log", errors.read()))


def parse_log_stream(chunks: Iterable[bytes]) -> Iterator[RawCommit]:
    """Turn the bytes of `git log -z --format=LOG_FORMAT` into commits, chunk by chunk."""
    pending: list[str] = []
    leftover = b""
    for chunk in chunks:
        complete, _, leftover = (leftover + chunk).rpartition(b"\x00")
        if not complete and not _:
            continue
        pending.extend(complete.decode("utf-8", "replace").split("\x00"))
        yield from _commits_from_fields(pending)
    if leftover:
        pending.append(leftover.decode("utf-8", "replace"))
    if len(pending) >= _FIELD_COUNT:
        yield from _commits_from_fields(pending)


def _commits_from_fields(fields: list[str]) -> Iterator[RawCommit]:
    """Consume whole commits from the front of `fields`, leaving a partial one in place."""
    usable = len(fields) - len(fields) % _FIELD_COUNT
    for start in range(0, usable, _FIELD_COUNT):
        sha, parents, tree, an, ae, amn, ame, cn, ce, ct, message = fields[
            start : start + _FIELD_COUNT
        ]
        yield RawCommit(
            sha=sha,
            parents=tuple(parents.split()),
            tree=tree,
            author=Person(an, ae),
            author_mapped=Person(amn, ame) if (amn, ame) != (an, ae) else Person(an, ae),
            committer=Person(cn, ce),
            committed_at=int(ct) if ct else 0,
            message=message,
        )
    del fields[:usable]


def _split_batch(data: bytes, count: int) -> list[str]:
    """Object contents from `git cat-file --batch` output (`<sha> <type> <size>\\n<bytes>\\n`)."""
    texts = []
    position = 0
    for _ in range(count):
        header_end = data.index(b"\n", position)
        header = data[position:header_end].split()
        if len(header) < 3:
            texts.append("")
            position = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        texts.append(data[start : start + size].decode("utf-8", "replace"))
        position = start + size + 1
    return texts


def _git_failure(command: str, stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    reason = lines[0] if lines else "no message"
    reason = re.sub(r"^(fatal|error): ", "", reason)
    return f"git {command} failed: {reason}"
