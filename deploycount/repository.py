"""The repository on disk, and every question deploycount asks it (through the git runner,
`git.py`).

Bulk reads go through one streamed `git log` whose fields are NUL-separated (git cuts a message at
its first NUL byte, so the stream cannot be misread); other questions (which shas exist, tags,
mailmap) are answered by one batch process each, never one process per commit.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

from deploycount import git
from deploycount.errors import RepositoryError
from deploycount.files import symlink_loop
from deploycount.history.columns import (
    FIELDS,
    FIELDS_WITH_NOTES,
    LOG_FORMAT,
    LOG_FORMAT_NOTES,
    parse_time,
)
from deploycount.identity import Person

AI_NOTES_REF = "refs/notes/ai"  # git-ai's line-level authorship logs
AI_NOTES_REMOTE_REF = "refs/notes/deploycount-ai"  # the remote's copy, fetched by deploycount
NETWORK_TIMEOUT = 60.0  # seconds for one fetch or push
_HEX = re.compile(r"^[0-9a-fA-F]{4,64}$")
NAMING_REMOTE = "origin"  # the report names the repository after this remote's URL
TAG_FIELDS = ("refname:strip=2", "objectname", "objecttype", "*objectname", "*objecttype")
TAG_LISTING = (
    "for-each-ref",
    "--format=" + "%00".join(f"%({field})" for field in TAG_FIELDS) + "%00%(creatordate:unix)",
    "refs/tags",
)


@dataclass(frozen=True, slots=True)
class TagRef:
    """A tag and the object it names, with its deploy time (tagger or commit date)."""

    name: str
    target: str
    created_at: int | None
    commit: str | None = None  # the commit it names, when git could tell without peeling further


def tag_from_line(line: str) -> TagRef | None:
    """The tag on one line of `TAG_LISTING`; None when the line is not one."""
    fields = line.split("\x00")
    if len(fields) != len(TAG_FIELDS) + 1:
        return None
    name, target, kind, peeled, peeled_kind, created = fields
    commit = target if kind == "commit" else peeled if peeled_kind == "commit" else None
    return TagRef(name, target, int(created) if created.strip() else None, commit)


class Repository:
    """A git repository on disk, found from any directory inside it."""

    def __init__(self, path: str | os.PathLike[str] = ".") -> None:
        self.git_dir, self.root = git.find_repository(path)
        self._ai_notes: list[str] | None = None
        self._tags: list[TagRef] | None = None
        self._tag_names: list[str] = []
        self._config: dict[str, str | None] = {}

    # -- plumbing -------------------------------------------------------------------------------

    def _run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
        if check:
            return git.check(args, self.root, stdin=stdin)
        return git.run(args, self.root, stdin=stdin).stdout

    def _run_text(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        data = self._run(*args, stdin=stdin.encode() if stdin is not None else None, check=check)
        return data.decode("utf-8", "replace")

    # -- questions ------------------------------------------------------------------------------

    def shallow_commits(self) -> frozenset[str]:
        """Commits whose parents a shallow clone does not have (empty unless shallow)."""
        path = self.git_dir / "shallow"
        if not path.exists():
            return frozenset()
        return frozenset(path.read_text().split())

    def has_head(self) -> bool:
        return self.ref_exists("HEAD^{commit}")

    def resolve_commits(self, names: Iterable[str]) -> dict[str, str | None]:
        """Map each commit-ish to the full sha of its commit, or None when it is not here."""
        unique = list(dict.fromkeys(names))
        result: dict[str, str | None] = dict.fromkeys(unique)
        # Only object names or ref names go to git; a newline or space would split the batch.
        askable = [n for n in unique if n and not any(c.isspace() for c in n)]
        if not askable:
            return result
        request = "".join(f"{name}^{{commit}}\n" for name in askable)
        lines = self._run_text("cat-file", "--batch-check", stdin=request).split("\n")
        for name, line in zip(askable, lines, strict=False):
            parts = line.split()
            if len(parts) == 3 and parts[1] == "commit":
                result[name] = parts[0]
        return result

    def tags(self, *, starting: str = "") -> list[TagRef]:
        """Every tag, by name, with its commit when the tag names one directly or through one
        annotated tag (git peels that level itself; a tag of a tag is left to the caller).
        Listed once (a monorepo's services each read them); `forget_refs` lists them again.
        `starting`: only the tags whose name starts so (found by bisection)."""
        if self._tags is None:
            out = self._run_text(*TAG_LISTING)
            tags = [t for line in out.split("\n") if (t := tag_from_line(line)) is not None]
            self._tags = sorted(tags, key=lambda t: t.name)
            self._tag_names = [t.name for t in self._tags]
        if not starting:
            return list(self._tags)
        first = bisect_left(self._tag_names, starting)
        last = bisect_left(self._tag_names, starting + "\U0010ffff", first)
        return self._tags[first:last]

    def _each_commit(self, shas: Iterable[str], field: str) -> dict[str, str]:
        """One `git log` format field of each commit, in one process."""
        wanted = [s for s in dict.fromkeys(shas) if _HEX.match(s)]
        if not wanted:
            return {}
        out = self._run_text(
            "log",
            "--no-walk=unsorted",
            f"--format=%H {field}",
            "--stdin",
            stdin="\n".join(wanted) + "\n",
        )
        # git ends each commit's line with \n, and only there: a subject may hold U+2028 or \x1c,
        # which str.splitlines would also split at
        return dict(line.split(" ", 1) for line in out.split("\n") if " " in line)

    def changed_paths(self, shas: Sequence[str]) -> dict[str, list[bytes]]:
        """The paths each commit changes against its first parent (a root commit: all of its
        files), without rename detection; a commit that changes nothing, or a merge, is absent.
        One process for the lot."""
        wanted = [s for s in dict.fromkeys(shas) if _HEX.match(s)]
        if not wanted:
            return {}
        out = self._run(*_CHANGED_PATHS, "--no-walk=unsorted", "--stdin",
                        stdin="".join(f"{sha}\n" for sha in wanted).encode())  # fmt: skip
        return {sha: paths for sha, paths in parse_changed_paths(out).items() if paths}

    def start_changed_paths(
        self, include: Sequence[str], exclude: Sequence[str], *, split: int | None = None
    ) -> Callable[[], dict[str, list[bytes]]]:
        """`changed_paths` of the commits (merges left out) reachable from `include` and not
        from `exclude`, worked out by `git log` started now, beside whatever runs meanwhile
        (tree diffs cost git several times what reading the commits does). With `split` (a
        Unix time), two run side by side: the commits committed after it, and the others.
        Returns what waits for them: every commit they printed, with its paths (maybe none);
        a commit whose dates made both pass it by is absent."""
        revs = "".join(f"{rev}\n" for rev in [*include, *(f"^{sha}" for sha in exclude)])
        halves = [[]] if split is None else [[f"--since={split + 1}"], [f"--until={split}"]]
        pool = ThreadPoolExecutor(len(halves), thread_name_prefix="git-changed-paths")
        arguments = [[*_CHANGED_PATHS, "--no-merges", *half, "--stdin"] for half in halves]
        futures = [pool.submit(self._run, *args, stdin=revs.encode()) for args in arguments]
        pool.shutdown(wait=False)

        def result() -> dict[str, list[bytes]]:
            changed: dict[str, list[bytes]] = {}
            for future in futures:
                changed.update(parse_changed_paths(future.result()))
            return changed

        return result

    def head_files(self) -> list[str]:
        """The paths of the files at HEAD (none in a repository without commits)."""
        if not self.has_head():
            return []
        out = self._run("ls-tree", "-r", "-z", "--name-only", "HEAD")
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    def head_texts(self, paths: Sequence[str], *, limit: int = 1 << 20) -> dict[str, str]:
        """The text of each file at HEAD (one `git cat-file --batch`); a file larger than
        `limit` bytes, or not text, is left out."""
        askable = [p for p in paths if "\n" not in p]
        if not askable:
            return {}
        request = "".join(f"HEAD:{path}\n" for path in askable).encode("utf-8", "surrogateescape")
        out = self._run("cat-file", "--batch", stdin=request)
        texts: dict[str, str] = {}
        for path, found in zip(askable, _batch_objects(out, len(askable)), strict=True):
            if found is not None and found[0] == b"blob" and len(found[1]) <= limit:
                with contextlib.suppress(UnicodeDecodeError):
                    texts[path] = found[1].decode("utf-8")
        return texts

    def count_commits(self, include: Sequence[str], exclude: Sequence[str] = ()) -> int:
        """How many commits are reachable from `include` but not from `exclude` (one process)."""
        revs = "".join(f"{rev}\n" for rev in [*include, *(f"^{sha}" for sha in exclude)])
        out = self._run_text("rev-list", "--count", "--stdin", stdin=revs).strip()
        return int(out) if out.isdigit() else 0

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `ancestor` (a sha or a prefix) is a commit here and an ancestor of
        `descendant` (or the same commit)."""
        if not _HEX.match(ancestor) or not _HEX.match(descendant):
            return False
        result = git.run(["merge-base", "--is-ancestor", ancestor, descendant], self.root)
        return result.returncode == 0

    def pull_merges(self, numbers: Collection[int]) -> dict[int, str]:
        """The commit that merged each pull request of `numbers` into the local branches: a
        squash or rebase whose subject ends `(#N)`, else the merge `Merge pull request #N from`
        (one `git log` for the lot; the newest wins)."""
        if not numbers:
            return {}
        alternatives = "|".join(str(n) for n in sorted(numbers))
        pattern = rf"(\(#({alternatives})\)$)|(^Merge pull request #({alternatives}) )"
        args = ["log", "--format=%H %s", "-E", f"--grep={pattern}", "--branches", "--remotes"]
        found: dict[int, str] = {}
        for line in self._run_text(*args, check=False).split("\n"):  # as _each_commit says
            sha, _, subject = line.partition(" ")
            match = re.search(r"\(#(\d{1,9})\)$|^Merge pull request #(\d{1,9}) ", subject)
            if match is not None:
                number = int(match[1] or match[2])
                if number in numbers:
                    found.setdefault(number, sha)
        return found

    def merge_base(self, shas: Sequence[str]) -> str | None:
        """The best common ancestor of all of `shas` (`git merge-base --octopus`), or None."""
        if not shas:
            return None
        found = self._run_text("merge-base", "--octopus", *shas, check=False).split()
        return found[0] if found else None

    def subjects(self, shas: Iterable[str]) -> dict[str, str]:
        """The subject line of each commit (one process for the lot)."""
        return self._each_commit(shas, "%s")

    def trees(self, shas: Iterable[str]) -> dict[str, str]:
        """Tree of each commit (for parents outside the loaded history)."""
        return self._each_commit(shas, "%T")

    def commit_times(self, shas: Iterable[str]) -> dict[str, datetime]:
        """Committer time of each commit."""
        times = {}
        for sha, seconds in self._each_commit(shas, "%ct").items():
            if not seconds.strip():
                continue
            with contextlib.suppress(ValueError):  # not a time git prints: left out
                times[sha] = datetime.fromtimestamp(parse_time(seconds.strip().encode()), tz=UTC)
        return times

    def check_mailmap(self, people: Iterable[Person]) -> dict[Person, Person]:
        """Apply `.mailmap` (and mailmap.file/blob) to trailer identities, in a few batches."""
        unique = [p for p in dict.fromkeys(people) if "<" not in p.name and ">" not in p.email]
        mapped: dict[Person, Person] = {}
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            out = self._run_text("check-mailmap", *(str(p) for p in batch)).split("\n")
            for person, line in zip(batch, out, strict=False):
                name, _, email = line.rpartition(" <")
                mapped[person] = Person(name, email.rstrip(">"))
        return mapped

    def git_path(self, name: str) -> Path:
        """Where git keeps `name` (`hooks` honours core.hooksPath), as an absolute path."""
        path = Path(self._run_text("rev-parse", "--git-path", name).strip())
        return path if path.is_absolute() else self.root / path

    def notes(self, ref: str) -> list[tuple[str, str]]:
        """(annotated commit, note text) for every note under `ref`; empty when there is none."""
        return [(commit, data.decode("utf-8", "replace")) for commit, data in self.note_data(ref)]

    def note_data(self, ref: str) -> list[tuple[str, bytes]]:
        """(annotated commit, note bytes) for every note under `ref`, through two processes."""
        if not self.ref_exists(ref):
            return []
        listing = self._run_text("notes", f"--ref={ref}", "list").split()
        pairs = list(zip(listing[0::2], listing[1::2], strict=True))
        if not pairs:
            return []
        request = "".join(f"{blob}\n" for blob, _ in pairs).encode()
        data = self._run("cat-file", "--batch", stdin=request)
        found = _batch_objects(data, len(pairs))
        return [(commit, item[1] if item else b"") for (_, commit), item in
                zip(pairs, found, strict=True)]  # fmt: skip

    def set_notes(self, ref: str, notes: Mapping[str, bytes], message: str) -> None:
        """One notes commit on `ref` (on top of where it points) that sets the note of each
        commit of `notes` to exactly its bytes: one `git fast-import`, however many notes (a
        note at a time is four processes: 25,000 tags took minutes)."""
        old = self.ref_value(ref)
        name, email = self._committer()
        stream = bytearray()
        text = message.encode()
        stream += f"commit {ref}\ncommitter {name} <{email}> {int(time.time())} +0000\n".encode()
        stream += b"data %d\n%s\n" % (len(text), text)
        if old is not None:
            stream += f"from {old}\n".encode()
        for sha, data in notes.items():
            stream += f"N inline {sha}\n".encode() + b"data %d\n%s\n" % (len(data), data)
        stream += b"done\n"
        self._run("fast-import", "--quiet", "--done", stdin=bytes(stream))

    def _committer(self) -> tuple[str, str]:
        """Who makes the ledger's notes commits: the user's identity, else deploycount's."""
        email = os.environ.get("GIT_COMMITTER_EMAIL") or self.git_config("user.email")
        name = os.environ.get("GIT_COMMITTER_NAME") or self.git_config("user.name")
        if not email:
            return "deploycount", "deploycount@localhost"
        clean = [re.sub(r"[<>\n]", "", value) for value in (name or email, email)]
        return clean[0], clean[1]

    # -- notes (the deploy ledger) ---------------------------------------------------------------

    def ref_exists(self, ref: str) -> bool:
        return self.ref_value(ref) is not None

    def ref_value(self, ref: str) -> str | None:
        """The object `ref` points at, or None when there is no such ref."""
        out = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{}}", check=False).strip()
        return out.decode() if out else None

    def swap_ref(self, ref: str, new: str, old: str | None) -> bool:
        """Compare-and-swap: point `ref` at `new` only if it still points at `old` (or, when
        `old` is None, does not exist yet). False when someone else moved it meanwhile."""
        result = self._raw("update-ref", ref, new, old or "")
        return result.returncode == 0

    def delete_ref(self, ref: str) -> None:
        self._raw("update-ref", "-d", ref)

    def merge_notes(self, incoming: str, ref: str) -> None:
        """Merge notes ref `incoming` into `ref` as a union of lines (git's cat_sort_uniq)."""
        if not self.ref_exists(ref):
            self._run("update-ref", ref, incoming)
            return
        self._run(
            *self._identity(),
            "notes",
            f"--ref={ref}",
            "merge",
            "--quiet",
            "-s",
            "cat_sort_uniq",
            incoming,
        )

    def fetch_ref(
        self, remote: str, ref: str, into: str, *, timeout: float = NETWORK_TIMEOUT
    ) -> tuple[bool, str]:
        """Fetch `ref` from `remote` into local `into` (forced). (False, reason) on failure;
        a remote that has no such ref yet is (False, "missing")."""
        problem = self._local_remote_problem(remote)
        if problem is not None:
            return False, problem
        result = self._raw(
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            remote,
            f"+{ref}:{into}",
            timeout=timeout,
        )
        if result.returncode == 0:
            return True, ""
        reason = git.failure("fetch", result.stderr)
        if "couldn't find remote ref" in reason:
            return False, "missing"
        return False, reason

    def push_ref(
        self, remote: str, ref: str, *, timeout: float = NETWORK_TIMEOUT
    ) -> tuple[bool, str]:
        problem = self._local_remote_problem(remote)
        if problem is not None:
            return False, problem
        result = self._raw(
            "push", "--quiet", "--porcelain", remote, f"{ref}:{ref}", timeout=timeout
        )
        if result.returncode == 0:
            return True, ""
        rejected = "[rejected]" in result.stdout.decode("utf-8", "replace")
        return False, "rejected (the remote moved on)" if rejected else git.failure(
            "push", result.stderr
        )

    def _local_remote_problem(self, remote: str) -> str | None:
        """A remote that is a path on this machine and a symlink loop, named with its links
        (git would try it and say only that it is not a repository)."""
        url = self.remote_url(remote) or remote
        if url.startswith("file://"):
            url = url.removeprefix("file://")
        elif "://" in url or re.match(r"^[^/\\]+:", url):
            return None  # a URL or host:path: not on this machine
        path = Path(url) if Path(url).is_absolute() else self.root / url
        loop = symlink_loop(path)
        return f"{remote} is {url}, a symlink loop: {loop}" if loop is not None else None

    def default_branch(self, remote: str = NAMING_REMOTE) -> tuple[str, str] | None:
        """(name, ref) of the repository's main line, as git users expect to find it: the
        remote's HEAD (`origin/HEAD`) when the branch it names exists, else
        `init.defaultBranch`, `main` or `master`, each as the remote-tracking branch first,
        then the local one. None when there is none."""
        head = git.run(["symbolic-ref", "-q", f"refs/remotes/{remote}/HEAD"], self.root)
        candidates = []
        if head.returncode == 0 and head.text().strip():
            # Checked like the others: upstream renamed master to main and `fetch --prune`
            # took origin/master, origin/HEAD still names it.
            ref = head.text().strip()
            candidates.append((ref.removeprefix(f"refs/remotes/{remote}/"), ref))
        names = [n for n in (self.git_config("init.defaultBranch"), "main", "master") if n]
        candidates += [
            (name, ref)
            for name in dict.fromkeys(names)
            for ref in (f"refs/remotes/{remote}/{name}", f"refs/heads/{name}")
        ]
        found = self.resolve_refs([ref for _, ref in candidates])
        return next(((name, ref) for name, ref in candidates if found.get(ref)), None)

    def has_remote(self, name: str) -> bool:
        return self.remote_url(name) is not None

    def _identity(self) -> list[str]:
        """Notes are commits: give git an identity when the machine has none (a CI runner)."""
        if self.git_config("user.email") or os.environ.get("GIT_COMMITTER_EMAIL"):
            return []
        return ["-c", "user.name=deploycount", "-c", "user.email=deploycount@localhost"]

    def _raw(self, *args: str, timeout: float | None = None) -> git.Result:
        """Run git and hand back the result whatever the exit code (callers decide). A
        `timeout` marks a network call: bounded (git and its helpers are ended at the limit),
        and never waiting for a prompt."""
        env = None
        if timeout is not None:
            # Never wait for a password or a host-key prompt in a deploy job.
            env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
            if not self.git_config("core.sshCommand"):
                env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
        result = git.run(
            args, self.root, env=env, timeout=max(timeout, 0.1) if timeout is not None else None
        )
        if result.timed_out:
            message = f"fatal: no answer within {timeout:g}s (the remote hangs?)"
            return git.Result(1, b"", message.encode(), timed_out=True)
        return result

    def remote_url(self, name: str) -> str | None:
        return self.git_config(f"remote.{name}.url")

    def git_config(self, key: str) -> str | None:
        """A config value, asked once per run (a report asks for the origin's URL three times;
        nothing deploycount does changes the config)."""
        if key not in self._config:
            self._config[key] = self._run_text("config", "--get", key, check=False).strip() or None
        return self._config[key]

    # -- the history ----------------------------------------------------------------------------

    def log_chunks(
        self,
        include: Sequence[str],
        exclude: Sequence[str] = (),
        *,
        local_refs: bool = False,
        max_count: int | None = None,
    ) -> tuple[int, Iterator[bytes]]:
        """Every commit reachable from `include` (and, with `local_refs`, HEAD, branches and
        remote-tracking branches) but not from `exclude`, through one `git log -z` process whose
        revisions go through its stdin: its raw bytes, with the number of fields per commit (11,
        or 12 with git-ai notes: see `LOG_FORMAT_NOTES`). At most `max_count` commits."""
        format_args = self._format_args()
        fields = FIELDS_WITH_NOTES if f"--format={LOG_FORMAT_NOTES}" in format_args else FIELDS
        if not include and not local_refs:
            return fields, iter(())
        args = self._walk_args(local_refs=local_refs)
        args += [f"--max-count={max_count}"] if max_count else []
        revs = [*include, *(f"^{sha}" for sha in exclude)]
        return fields, git.stream(args, self.root, "".join(f"{rev}\n" for rev in revs).encode())

    def _walk_args(self, *, local_refs: bool) -> list[str]:
        args = ["log", "-z", *self._format_args(), "--stdin"]
        if local_refs:
            args += ["--branches", "--remotes"]
            if self.has_head():
                args.append("HEAD")
        return args

    def log_range_chunks(
        self, revrange: Sequence[str], *, max_count: int | None = None
    ) -> tuple[int, Iterator[bytes]]:
        """The commits of a user's rev range (`main..topic`, `v1.0...HEAD`, `HEAD`) as raw bytes,
        with the number of fields per commit (see `log_chunks`)."""
        args = self._range_args(revrange, max_count)
        fields = FIELDS_WITH_NOTES if f"--format={LOG_FORMAT_NOTES}" in args else FIELDS
        return fields, git.stream(args, self.root, None) if args else iter(())

    def _range_args(self, revrange: Sequence[str], max_count: int | None) -> list[str]:
        """`git log` arguments for a rev range; none when it is HEAD of a repository without
        commits."""
        for rev in revrange:
            if rev.startswith("-"):
                raise RepositoryError(f"{rev!r} is not a revision range (options go before it)")
        if not self.has_head() and list(revrange) == ["HEAD"]:
            return []
        limit = [f"--max-count={max_count}"] if max_count else []
        return ["log", "-z", *self._format_args(), *limit, "--end-of-options", *revrange, "--"]

    def ai_notes_refs(self) -> list[str]:
        """The git-ai notes refs this repository has: its own, and the remote's copy."""
        if self._ai_notes is None:
            found = self.resolve_refs([AI_NOTES_REF, AI_NOTES_REMOTE_REF])
            self._ai_notes = [ref for ref in (AI_NOTES_REF, AI_NOTES_REMOTE_REF) if found[ref]]
        return self._ai_notes

    def forget_refs(self) -> None:
        """Look again for notes refs and tags (after a fetch)."""
        self._ai_notes = None
        self._tags = None

    def _format_args(self) -> list[str]:
        refs = self.ai_notes_refs()
        if not refs:
            return [f"--format={LOG_FORMAT}"]
        return ["--no-notes", *(f"--notes={ref}" for ref in refs), f"--format={LOG_FORMAT_NOTES}"]

    def resolve_refs(self, refs: Sequence[str]) -> dict[str, bool]:
        """Which of `refs` exist, in one process."""
        if not refs:
            return {}
        request = "".join(f"{ref}\n" for ref in refs)
        lines = self._run_text("cat-file", "--batch-check", stdin=request).splitlines()
        return {ref: not line.endswith(" missing") for ref, line in zip(refs, lines, strict=False)}


# Each commit as an empty token, its sha, then the paths it changes (the first after a newline):
# a path is never empty, so no file name can pass for a commit.
_CHANGED_PATHS = ("log", "-z", "--format=%x00%H", "--name-only", "--no-renames")


def parse_changed_paths(out: bytes) -> dict[str, list[bytes]]:
    """What `_CHANGED_PATHS` printed, as {sha: paths} (an empty list: a commit that changes
    nothing, or a merge)."""
    changed: dict[str, list[bytes]] = {}
    tokens = out.split(b"\0")
    paths: list[bytes] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if not token and position + 1 < len(tokens):  # a commit: its sha follows
            sha = tokens[position + 1].decode("ascii", "replace")
            paths = changed.setdefault(sha, [])
            position += 2
            if position < len(tokens) and tokens[position].startswith(b"\n"):
                tokens[position] = tokens[position][1:]  # the newline before the first path
            continue
        if token:
            paths.append(token)
        position += 1
    return changed


def repository_name(repo: Repository, environ: Mapping[str, str]) -> str:
    """`GITHUB_REPOSITORY`, else owner/name from the origin URL, else the directory name."""
    if environ.get("GITHUB_REPOSITORY"):
        return environ["GITHUB_REPOSITORY"]
    url = repo.remote_url(NAMING_REMOTE)
    if url:
        path = re.sub(r"^[a-z+]+://[^/]*/|^[^/@:]+@[^:]+:", "", url.strip())
        parts = [p for p in re.split(r"[/\\]", path.removesuffix("/").removesuffix(".git")) if p]
        if len(parts) >= 2:
            return f"{parts[-2]}/{parts[-1]}"
    return repo.root.name


def _batch_objects(data: bytes, count: int) -> list[tuple[bytes, bytes] | None]:
    """(type, contents) of each of `count` objects in `git cat-file --batch` output
    (`<sha> <type> <size>\n<bytes>\n`); None for one git could not find (`<name> missing`,
    whatever blanks the name holds)."""
    objects: list[tuple[bytes, bytes] | None] = []
    position = 0
    for _ in range(count):
        header_end = data.index(b"\n", position)
        header = data[position:header_end].split()
        position = header_end + 1
        if len(header) != 3 or not header[2].isdigit():
            objects.append(None)
            continue
        size = int(header[2])
        objects.append((header[1], data[position : position + size]))
        position += size + 1
    return objects
