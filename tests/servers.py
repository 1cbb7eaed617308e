"""Real servers on 127.0.0.1 for tests: the Debian Pushgateway, and small scripted HTTP servers."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.tools import required_tool

PUSHGATEWAY_BINARIES = ("/usr/bin/prometheus-pushgateway", "pushgateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pushgateway_binary() -> str:
    """The installed Pushgateway; in CI its absence fails the test instead of skipping it."""
    for candidate in PUSHGATEWAY_BINARIES:
        found = shutil.which(candidate)
        if found:
            return found
    message = "prometheus-pushgateway is not installed (apt-get install -y prometheus-pushgateway)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def running_pushgateway(workdir: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            pushgateway_binary(),
            f"--web.listen-address=127.0.0.1:{port}",
            f"--persistence.file={workdir / 'pushgateway.data'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, 20, lambda: "the Pushgateway did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_ready(
    url: str, process: subprocess.Popen[bytes], seconds: float, failure: Callable[[], str]
) -> None:
    """Until `url/-/ready` answers (Prometheus and the Pushgateway both have it), for at most
    `seconds`; a process that exits or a server that never answers fails the test."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{url}/-/ready", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail(failure())
        time.sleep(0.1)


@contextmanager
def running_prometheus(workdir: Path, config: str, *, rules: Path | None = None) -> Iterator[str]:
    """A real Prometheus (the Debian package) on 127.0.0.1 with `config` (YAML), its storage in
    `workdir/data` (put backfilled blocks there first), retention long enough for any test."""
    binary = required_tool("prometheus", "apt-get install -y prometheus")
    port = free_port()
    config_file = workdir / "prometheus.yml"
    if rules is not None:
        config += f"\nrule_files: [{str(rules)!r}]\n"
    config_file.write_text(config)
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config_file}",
            f"--storage.tsdb.path={workdir / 'data'}",
            "--storage.tsdb.retention.time=100y",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(
            url, process, 60,
            lambda: "Prometheus did not start: "
            + (workdir / "prometheus.log").read_text(errors="replace")[-2000:],
        )  # fmt: skip
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def prometheus_query(url: str, expr: str, **params: str) -> list[dict[str, Any]]:
    """The result of an instant (or, with start/end/step, range) query; errors fail the test."""
    path = "query_range" if "step" in params else "query"
    answer = requests.get(f"{url}/api/v1/{path}", params={"query": expr, **params}, timeout=30)
    body = answer.json()
    assert body["status"] == "success", f"{expr}: {body}"
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


@dataclass
class Exchange:
    """One request the scripted server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Script = Callable[[Exchange, int], Reply]


@dataclass
class ScriptedServer:
    url: str
    received: list[Exchange]


@contextmanager
def scripted_server(script: Script) -> Iterator[ScriptedServer]:
    """An HTTP server on 127.0.0.1 that answers request N with `script(request, N)`."""
    received: list[Exchange] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            exchange = Exchange(
                self.command, self.path, dict(self.headers), self.rfile.read(length)
            )
            with lock:
                received.append(exchange)
                number = len(received)
            reply = script(exchange, number)
            if reply.delay:
                time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, format: str, *args: object) -> None:  # silence the test output
            return

    with serve(Handler) as url:
        yield ScriptedServer(url, received)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free 127.0.0.1 port in a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
