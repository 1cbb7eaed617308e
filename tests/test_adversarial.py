"""The faults an adversarial pass found, one regression test each: redirects, slow-drip
servers, huge and endless event files, inputs at the edges of the calendar and of JSON, output
to a stream that cannot encode, window labels, config values and secrets an echoing server
repeats."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepo, RunCli, one_line_error
from tests.servers import Reply, scripted_server

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")
ENV = {"GITHUB_REPOSITORY": "acme/api"}


@pytest.fixture
def shipped(repo: GitRepo) -> GitRepo:
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("feat\n\nAssisted-by: Claude\n", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1")
    return repo


# -- 3. redirects --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_with_the_push(
    shipped: GitRepo, run_cli: RunCli, status: int
) -> None:
    with scripted_server(lambda request, n: Reply(200)) as elsewhere:
        target = f"{elsewhere.url}/steal"
        with scripted_server(
            lambda request, n: Reply(status, headers={"Location": target})
        ) as server:
            result = run_cli(
                "push", "--sink", "webhook", "--to", f"{server.url}/hook",
                "--header", "X-Api-Key: sk-live-123456", *WINDOW, cwd=shipped, env=ENV,
            )  # fmt: skip
    line = one_line_error(result, 1, f"answered {status} redirecting to {target}", "not followed")
    assert "sk-live-123456" not in line
    assert elsewhere.received == []  # neither the body nor the credentials went there


def test_github_reads_follow_a_redirect_on_the_same_host_only(tmp_path: Path) -> None:
    from deploycount.errors import ExternalServiceError
    from deploycount.http import HttpClient, RetryPolicy

    with scripted_server(lambda request, n: Reply(200, b"moved-ok")) as other:

        def script(request: Any, n: int) -> Reply:
            if request.path == "/old":
                return Reply(301, headers={"Location": "/new"})
            if request.path == "/away":
                return Reply(302, headers={"Location": f"{other.url}/x"})
            return Reply(200, b"here")

        with scripted_server(script) as server:
            client = HttpClient(
                RetryPolicy(max_retry_seconds=1), headers={"Authorization": "Bearer t0k3n"}
            )
            assert client.request("GET", f"{server.url}/old", what="GitHub").text == "here"
            with pytest.raises(ExternalServiceError, match="credentials never go to another host"):
                client.request("GET", f"{server.url}/away", what="GitHub")
    assert other.received == []


# -- 7. slow drip -------------------------------------------------------------------------


@pytest.mark.slow
def test_a_slow_drip_server_is_cut_off(shipped: GitRepo, run_cli: RunCli) -> None:
    """One byte every 0.2 s never trips a read timeout of 0.5 s: only an overall limit ends it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def drip() -> None:
        while not stop.is_set():
            try:
                listener.settimeout(0.5)
                connection, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_drip_to, args=(connection, stop), daemon=True).start()

    threading.Thread(target=drip, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    started = time.monotonic()
    try:
        result = run_cli(
            "push",
            "--sink",
            "webhook",
            "--to",
            url,
            "--timeout",
            "0.5",
            "--max-retry-seconds",
            "1",
            *WINDOW,
            cwd=shipped,
            env=ENV,
        )
    finally:
        stop.set()
        listener.close()
    took = time.monotonic() - started
    one_line_error(result, 1, "no complete answer within 5.5s")
    assert took < 5.5 + 1 + 5.5 + 3, took  # one attempt, the retry budget, one more attempt


def _drip_to(connection: socket.socket, stop: threading.Event) -> None:
    header = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
    try:
        connection.recv(65536)
        for byte in header + b"x" * 100_000:
            if stop.is_set():
                break
            connection.send(bytes([byte]))
            time.sleep(0.2)
    except OSError:
        pass
    finally:
        connection.close()


# -- 8, 9. event files ----------------------------------------------------------------------


def test_a_json_array_event_file_parses_in_linear_time(
    shipped: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    sha = shipped.head()
    event = {"sha": sha, "environment": "production", "time": "2026-10-03T00:00:00Z"}
    events = [{**event, "id": f"d{n}"} for n in range(100_000)]  # ~12 MB
    path = tmp_path / "events.json"
    path.write_text("[\n" + ",\n".join(json.dumps(e) for e in events) + "\n]\n")
    started = time.monotonic()
    result = run_cli(
        "report", "--deploys", f"file:{path}", "--format", "json", *WINDOW, cwd=shipped
    )
    took = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert took < 20, took  # quadratic parsing took minutes at this size
    # the line of a bad element is still named
    events[70_000]["time"] = "not a time"
    path.write_text("[\n" + ",\n".join(json.dumps(e) for e in events) + "\n]\n")
    result = run_cli("report", "--deploys", f"file:{path}", *WINDOW, cwd=shipped)
    one_line_error(result, 2, f"{path}:70002: time")


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "directory"])
def test_event_sources_that_never_end_are_refused(
    shipped: GitRepo, tmp_path: Path, run_cli: RunCli, special: str
) -> None:
    path = tmp_path / special
    if special == "fifo":
        os.mkfifo(path)
    elif special == "directory":
        path.mkdir()
    else:
        path = Path("/dev/zero")
    started = time.monotonic()
    result = run_cli("report", "--deploys", f"file:{path}", *WINDOW, cwd=shipped)
    one_line_error(result, 2, "not a regular file")
    assert time.monotonic() - started < 10


# -- 12. bad input: exit 2 and one line ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("report", "--since", "99999999999d"), ("--since", "outside the calendar")),
        (("report", "--until", "9999-12-31T23:59:59-12:00"), ("--until", "outside the calendar")),
        (("record", "--time", "9999999d"), ("--time", "outside the calendar")),
        (("push", "--sink", "webhook", "--to", "http://u:p@127.0.0.1:99999/x"), ("--to", "Port out of range")),
        (("push", "--sink", "webhook", "--to", "http://[::1/x"), ("--to", "not a valid URL")),
        (("push", "--sink", "webhook", "--to", "http://127.0.0.1:1/x", "--header", "X-K: café"),
         ("header X-K", "ASCII")),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2_and_one_line(
    shipped: GitRepo, run_cli: RunCli, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    one_line_error(run_cli(*args, cwd=shipped, env=ENV), 2, *fragments)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            '{"id": "a", "sha": "abcd", "time": "0001-01-01T00:00:00+01:00"}\n',
            "outside the calendar",
        ),
        (
            '{"id": "a", "sha": "abcd", "time": "9999-12-31T23:59:59-12:00"}\n',
            "outside the calendar",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"id":' + "[" * 100_000 + "]" * 100_000 + "}\n", "nested too deeply"),
    ],
)
def test_events_at_the_edges(
    shipped: GitRepo, tmp_path: Path, run_cli: RunCli, content: str, fragment: str
) -> None:
    path = tmp_path / "events"
    path.write_text(content)
    one_line_error(
        run_cli("report", "--deploys", f"file:{path}", *WINDOW, cwd=shipped), 2, fragment
    )


def test_a_deeply_nested_ledger_line_is_a_warning(shipped: GitRepo, run_cli: RunCli) -> None:
    blob = shipped.git("hash-object", "-w", "--stdin", input="[" * 100_000 + "]" * 100_000 + "\n")
    shipped.git("notes", "--ref=deploycount", "add", "-C", blob, "HEAD")
    result = run_cli("report", "--deploys", "notes", "--format", "json", *WINDOW, cwd=shipped)
    assert result.exit_code == 0, result.stderr
    assert any("nested too deeply" in w for w in result.json()["warnings"])


# -- 13. output to a stream that cannot encode ------------------------------------------------


@pytest.mark.parametrize("output", ["table", "markdown", "json"])
def test_output_degrades_where_the_stream_cannot_encode(
    shipped: GitRepo, tmp_path: Path, output: str
) -> None:
    (shipped.path / ".deploycount.toml").write_text('[teams."платежи 🤖"]\nmembers = ["*"]\n')
    target = tmp_path / f"out.{output}"
    with target.open("wb") as sink:
        result = subprocess.run(
            [sys.executable, "-m", "deploycount", "report", "--format", output, *WINDOW],
            cwd=shipped.path,
            stdout=sink,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONIOENCODING": "cp1252"},
            check=False,
        )
    assert result.returncode == 0, result.stderr.decode()
    text = target.read_bytes().decode("cp1252")
    assert "->" in text or output == "json"
    if output == "json":
        assert json.loads(text)["teams"][0]["team"] == "платежи 🤖"  # escapes, still the value


# -- 14. window labels ------------------------------------------------------------------------


def test_the_window_label_is_whole_days(shipped: GitRepo, run_cli: RunCli) -> None:
    with scripted_server(lambda request, n: Reply(200)) as server:
        for since, label in (("30d", "window/30d"), ("36h", "window/36h"), ("4w", "window/28d")):
            result = run_cli("push", "--sink", "pushgateway", "--to", server.url,
                             "--since", since, cwd=shipped, env=ENV)  # fmt: skip
            assert result.exit_code == 0, result.stderr
            assert server.received[-1].path.endswith(label), server.received[-1].path


# -- 15. config values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[teams.a]\nmembers = ["*"]\nsize = true\n', "teams.a.size"),
        ('[teams.""]\nmembers = ["*"]\n', "team name ''"),
        ('[teams." x "]\nmembers = ["*"]\n', "without blanks"),
    ],
)
def test_config_values_that_are_not_what_they_seem(
    repo: GitRepo, run_cli: RunCli, text: str, fragment: str
) -> None:
    repo.commit("x")
    (repo.path / ".deploycount.toml").write_text(text)
    one_line_error(run_cli("report", cwd=repo), 2, fragment)


def test_config_that_is_a_directory(repo: GitRepo, tmp_path: Path, run_cli: RunCli) -> None:
    repo.commit("x")
    one_line_error(run_cli("report", "--config", str(tmp_path), cwd=repo), 2, "is a directory")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("/dev/zero", "not a regular file"),  # was said not to exist
        ("/dev/null", "not a regular file"),
        ("missing.toml", "does not exist"),
    ],
)
def test_config_that_is_not_a_file(
    repo: GitRepo, run_cli: RunCli, name: str, fragment: str
) -> None:
    repo.commit("x")
    one_line_error(run_cli("report", "--config", name, cwd=repo), 2, fragment)


@pytest.mark.parametrize("target", ["/dev/zero", "nowhere.toml"])
def test_the_repositorys_config_that_is_no_file_is_said(
    repo: GitRepo, run_cli: RunCli, target: str
) -> None:
    """A `.deploycount.toml` linked to a device or to nothing was skipped without a word, and
    the report ran without the repository's config."""
    repo.commit("x")
    (repo.path / ".deploycount.toml").symlink_to(target)
    fragment = "not a regular file" if target.startswith("/dev") else "no such file"
    one_line_error(run_cli("report", cwd=repo), 2, fragment)


def test_config_larger_than_it_could_be(repo: GitRepo, run_cli: RunCli) -> None:
    """A config of 17 MiB (one long comment) is refused before it is parsed, not read whole."""
    repo.commit("x")
    (repo.path / ".deploycount.toml").write_bytes(b"#" + b"x" * (17 * 1024 * 1024) + b"\n")
    one_line_error(run_cli("report", cwd=repo), 2, "larger than 16 MiB")


# -- 17. secrets an echoing server repeats ----------------------------------------------------


def test_every_form_of_a_secret_is_masked(shipped: GitRepo, run_cli: RunCli) -> None:
    def echo(request: Any, n: int) -> Reply:  # repeats the path, the query and the headers
        return Reply(401, (request.path + " " + json.dumps(request.headers)).encode())

    with scripted_server(echo) as server:
        host = server.url.removeprefix("http://")
        url = f"http://bot:p%40ss%2Fw0rd@{host}/hook?token=qs-secret-77&x=ab"
        for debug in ([], ["--debug"]):
            result = run_cli(
                *debug, "push", "--sink", "webhook", "--to", url, "--header", "X-Short: k9",
                "--max-retry-seconds", "0", *WINDOW, cwd=shipped, env=ENV,
            )  # fmt: skip
            output = result.stdout + result.stderr
            assert result.exit_code == 1 and "401" in output
            for secret in ("p%40ss%2Fw0rd", "p@ss/w0rd", "qs-secret-77", "k9"):
                assert secret not in output, (secret, output)


def test_a_password_in_the_github_api_url_is_masked(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x")
    with scripted_server(
        # 401 is final (a 500 was retried for the whole 60 s budget): the same masking, at once
        lambda request, n: Reply(401, json.dumps(request.headers).encode())
    ) as server:
        api = server.url.replace("http://", "http://user:ghe-pass-991@")
        result = run_cli(
            "report",
            "--deploys",
            "github",
            cwd=repo,
            env={"GITHUB_API_URL": api, "GITHUB_REPOSITORY": "acme/api", "GITHUB_TOKEN": "ab1"},
        )
    assert result.exit_code == 1
    assert "401" in result.stderr and "127.0.0.1" in result.stderr  # the answer is told...
    assert "ghe-pass-991" not in result.stderr and "ab1" not in result.stderr.replace("***", "")


# -- Unicode line separators: git and JSON lines end at "\n" only --------------------------------

# Python's str.splitlines also ends a line at these; git allows them in ref names, paths and
# identities, and JSON allows them raw inside a string.
SEPARATORS = ["\u2028", "\u2029", "\x85"]


def test_tags_named_with_line_separators_are_deploys(repo: GitRepo, run_cli: RunCli) -> None:
    """Once a ValueError ('not enough values to unpack'), then silently left out."""
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    for day, separator in enumerate(SEPARATORS, start=2):
        repo.commit(f"feat {day}\n\nAssisted-by: Claude\n", when=f"2026-10-{day:02d}T10:00:00Z")
        repo.tag(f"v1.{day}{separator}x")
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo)
    assert done.exit_code == 0, done.stderr
    deploys = done.json()["deployments"]
    assert [d["id"] for d in deploys] == [f"v1.{n}{s}x" for n, s in enumerate(SEPARATORS, 2)]
    assert [d["ai_commits"] for d in deploys] == [1, 1, 1]


def test_ledger_and_event_lines_with_raw_line_separators(
    shipped: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    """An event whose JSON holds U+2028 unescaped (valid JSON) is one event, not two broken
    lines: in an events file and in a note another tool wrote."""
    sha = shipped.head()
    lines = [
        json.dumps(
            {
                "id": f"deploy{s}{n}",
                "sha": sha,
                "time": f"2026-10-0{n + 3}T10:00:00Z",
                "status": "success",
                "environment": "production",
            },
            ensure_ascii=False,
        )
        for n, s in enumerate(SEPARATORS)
    ]
    assert all(s in line for s, line in zip(SEPARATORS, lines, strict=True))
    events = tmp_path / "events.ndjson"
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shipped.git("notes", "--ref=deploycount", "add", "-F", "-", sha, input="\n".join(lines) + "\n")
    for source in (f"file:{events}", "notes"):
        done = run_cli("report", *WINDOW, "--deploys", source, "--format", "json", cwd=shipped)
        assert done.exit_code == 0, done.stderr
        report = done.json()
        assert [d["id"] for d in report["deployments"]] == [
            f"deploy{s}{n}" for n, s in enumerate(SEPARATORS)
        ], source
        assert not [w for w in report["warnings"] if "JSON" in w], report["warnings"]


def test_a_co_author_named_with_a_line_separator_keeps_the_mailmap_in_step(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """check-mailmap answers one line per person: a name that Python would split in two moved
    every later person of the batch onto the wrong answer."""
    from deploycount.identity import Person
    from deploycount.repository import Repository

    repo.commit("base", when="2026-09-01T10:00:00Z")
    (repo.path / ".mailmap").write_text("Bob Real <bob@real.example> <bob@old.example>\n")
    people = [Person(f"Ann{s}Lee", f"ann{n}@example.com") for n, s in enumerate(SEPARATORS)]
    people.append(Person("Bob", "bob@old.example"))
    mapped = Repository(repo.path).check_mailmap(people)
    assert mapped[people[-1]] == Person("Bob Real", "bob@real.example")
    assert all(mapped[p] == p for p in people[:-1])


def test_a_repository_in_a_directory_named_with_a_line_separator(
    tmp_path: Path, run_cli: RunCli
) -> None:
    from tests.conftest import make_repo

    repo = make_repo(tmp_path / "acme\u2028api")
    repo.commit("base", when="2026-09-01T10:00:00Z")
    repo.tag("v1.0")
    repo.commit("feat\n\nAssisted-by: Claude\n", when="2026-10-02T10:00:00Z")
    repo.tag("v1.1")
    done = run_cli("report", *WINDOW, "--format", "json", cwd=repo.path / "")
    assert done.exit_code == 0, done.stderr
    assert done.json()["repository"] == "acme\u2028api"
    assert [d["id"] for d in done.json()["deployments"]] == ["v1.1"]


# -- control characters from outside are shown, not obeyed ---------------------------------------


def _shown_on_one_line(text: str) -> None:
    """Nothing but the lines' own ends: no escape sequence, no C1 control, no separator, and no
    line that GitHub Actions would read as a workflow command."""
    for line in text.split("\n"):
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", line), repr(line)
        assert not line.lstrip().startswith("::"), repr(line)


HOSTILE_IDS = ["red\x1b[31m", "csi\x9b31m", "two\n::add-mask::secret", "sep\u2028x", "tab\there"]


def test_hostile_deploy_ids_are_shown_inert(
    shipped: GitRepo, tmp_path: Path, run_cli: RunCli
) -> None:
    sha = shipped.head()
    events = tmp_path / "events.ndjson"
    events.write_text(
        "".join(
            json.dumps({"id": deploy_id, "sha": sha, "time": f"2026-10-0{n + 3}T10:00:00Z"}) + "\n"
            for n, deploy_id in enumerate(HOSTILE_IDS)
        )
    )
    args = ("report", *WINDOW, "--deploys", f"file:{events}")
    as_json = run_cli(*args, "--format", "json", cwd=shipped)
    assert as_json.exit_code == 0, as_json.stderr
    assert [d["id"] for d in as_json.json()["deployments"]] == HOSTILE_IDS  # kept exactly
    for output in ("table", "markdown"):
        done = run_cli(*args, "--format", output, cwd=shipped)
        assert done.exit_code == 0, done.stderr
        _shown_on_one_line(done.stdout)
        _shown_on_one_line(done.stderr)
        if output == "table":  # (Markdown escapes the backslash, and a newline is a space there)
            assert "red\\u001b[31m" in done.stdout
            assert "two\\u000a::add-mask::secret" in done.stdout


def test_a_hostile_path_in_an_error_is_shown_inert(shipped: GitRepo, run_cli: RunCli) -> None:
    done = run_cli(
        "report",
        *WINDOW,
        "--deploys",
        "file:/nonexistent/\x1b]0;pwned\x07\n::error::x",
        cwd=shipped,
    )
    one_line_error(done, 2, "nonexistent")
    _shown_on_one_line(done.stderr)
