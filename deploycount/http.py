"""One HTTP client for every outside system: explicit timeouts, bounded retries that honour
`Retry-After`, and failures turned into one-line `ExternalServiceError`s without secrets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import requests

from deploycount.checks import digits
from deploycount.errors import ExternalServiceError
from deploycount.masking import mask, safe_url

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_REDIRECTS = 5
_BODY_EXCERPT = 200


class _TooSlow(Exception):
    """An attempt that did not complete within its overall limit (a slow-drip server)."""


class TooLarge(Exception):
    """An answer longer than the caller's `max_bytes`: refused from its Content-Length, or once
    that many bytes have arrived, never read whole."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait for one answer, and for all the retries together."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retry_seconds: float = 60.0
    first_delay: float = 0.5
    max_delay: float = 15.0


class HttpClient:
    """A requests session with deploycount's timeout and retry rules."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        log: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "deploycount"
        self.session.headers.update(headers or {})
        self._log = log
        self.requests = 0  # attempts sent, for --debug
        self._sleep = sleep
        self._clock = clock

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        accept: Callable[[requests.Response], bool] | None = None,
        wait: Callable[[requests.Response], float | None] | None = None,
        retry_seconds: float | None = None,
        max_bytes: int | None = None,
    ) -> requests.Response:
        """Send, retrying connection errors, 429 and 5xx until `max_retry_seconds` (or
        `retry_seconds`) is spent.

        `what` names the system in errors ("Pushgateway"). Any other 4xx fails at once.
        `accept` lets a caller treat a special answer (GitHub's 403 rate limit) as retryable
        by returning False for it; `wait` says how long such an answer asks us to wait.

        Every attempt has one overall limit (connect + read timeout), however slowly a server
        drips its answer, so the whole call ends within the retry budget plus one attempt.
        Redirects are followed only for reads that stay on the same scheme, host and port:
        a push is never re-sent elsewhere, and credentials never go to another host.
        """
        policy = self.policy
        budget = policy.max_retry_seconds if retry_seconds is None else retry_seconds
        deadline = self._clock() + budget
        shown = safe_url(url)
        attempt = redirects = 0
        status: int | None = None
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self._send(method, url, data, headers, params, max_bytes=max_bytes)
            except _TooSlow as error:
                status, reason = None, str(error)
            except requests.Timeout:
                status, reason = None, f"no answer within {self.policy.read_timeout:g}s"
            except requests.ConnectionError as error:
                status, reason = None, _connection_reason(error)
            except (requests.RequestException, ValueError, UnicodeError) as error:
                raise ExternalServiceError(
                    mask(f"{what} request to {shown} failed: {type(error).__name__}")
                ) from None
            else:
                if response.is_redirect:
                    url = self._follow(response, method, url, what, redirects)
                    redirects += 1
                    params = None  # the Location carries the query
                    continue
                retryable = response.status_code in RETRYABLE_STATUSES or (
                    accept is not None and not accept(response)
                )
                if response.status_code < 400 and not retryable:
                    self._note(f"{method} {shown} -> {response.status_code}")
                    return response
                reason = describe_response(response)
                if not retryable:
                    raise ExternalServiceError(
                        mask(f"{what} at {shown} refused the request: {reason}"),
                        status=response.status_code,
                        retry_after=retry_after_seconds(response),
                    )
                status = response.status_code
                retry_after = (wait or retry_after_seconds)(response)
            # Backoff grows with each attempt; a Retry-After asks for longer, never for less (a
            # rate limit answering "Retry-After: 0" was retried thousands of times a minute).
            backoff = min(policy.max_delay, policy.first_delay * 2 ** (attempt - 1))
            delay = backoff if retry_after is None else max(retry_after, backoff)
            if self._clock() + delay > deadline:
                raise ExternalServiceError(
                    mask(
                        f"{what} at {shown} failed after {attempt} attempt(s) within "
                        f"{budget:g}s: {reason}"
                    ),
                    status=status,
                    retry_after=retry_after,
                )
            self._note(f"{method} {shown}: {reason}; retrying in {delay:.1f}s")
            self._sleep(delay)

    @property
    def attempt_limit(self) -> float:
        return self.policy.connect_timeout + self.policy.read_timeout

    def _send(
        self,
        method: str,
        url: str,
        data: bytes | None,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        *,
        max_bytes: int | None = None,
    ) -> requests.Response:
        """One attempt, bounded as a whole: requests' timeouts bound each socket read, which a
        server dripping one byte a second never trips, so the attempt runs in a worker thread
        that is abandoned (a daemon) when the limit passes."""
        outcome: list[requests.Response | BaseException] = []

        self.requests += 1

        def attempt() -> None:
            try:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    headers=dict(headers or {}),
                    params=params,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                    allow_redirects=False,
                    stream=max_bytes is not None,
                )
                if max_bytes is not None:
                    _read_at_most(response, max_bytes)
                outcome.append(response)
            except BaseException as error:
                outcome.append(error)

        worker = threading.Thread(target=attempt, name="deploycount-http", daemon=True)
        worker.start()
        worker.join(self.attempt_limit)
        if not outcome:
            raise _TooSlow(f"no complete answer within {self.attempt_limit:g}s")
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _follow(
        self, response: requests.Response, method: str, url: str, what: str, redirects: int
    ) -> str:
        location = urljoin(url, response.headers.get("Location", ""))
        same_origin = _origin(location) == _origin(url)
        if method == "GET" and same_origin and redirects < _MAX_REDIRECTS:
            return location
        if method != "GET":
            why = "a push is never re-sent to another address"
        elif same_origin:
            why = f"too many redirects: {_MAX_REDIRECTS} followed already, a loop?"
        else:
            why = "credentials never go to another host"
        raise ExternalServiceError(
            mask(
                f"{what} at {safe_url(url)} answered {response.status_code} redirecting to "
                f"{safe_url(location)}: not followed ({why}); use the final URL"
            ),
            status=response.status_code,
        )

    def _note(self, message: str) -> None:
        if self._log is not None:
            self._log(mask(message))


def describe_response(response: requests.Response) -> str:
    """`503 Service Unavailable: <first 200 characters of the body>`."""
    body = " ".join(response.text.split())[:_BODY_EXCERPT] if response.content else ""
    head = f"{response.status_code} {response.reason or ''}".strip()
    return f"{head}: {body}" if body else head


def retry_after_seconds(response: requests.Response, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds to wait: a number, or an HTTP date; None when absent or bad."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    seconds = digits(value)
    if seconds is not None:
        return float(seconds)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(tz=UTC))).total_seconds())


def _connection_reason(error: requests.ConnectionError) -> str:
    text = str(error)
    if "refused" in text.lower():
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "host name not found"
    return "connection failed"


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _read_at_most(response: requests.Response, max_bytes: int) -> None:
    """Read a streamed answer's body, refusing it past `max_bytes` (from its Content-Length
    first, then as it arrives): memory stays bounded whatever the server sends."""
    try:
        declared = int(response.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        response.close()
        raise TooLarge(max_bytes)
    body = bytearray()
    for piece in response.iter_content(64 * 1024):
        body += piece
        if len(body) > max_bytes:
            response.close()
            raise TooLarge(max_bytes)
    response._content = bytes(body)  # what `.content` gives from now on
