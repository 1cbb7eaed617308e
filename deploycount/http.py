"""One HTTP client for every outside system: explicit timeouts, bounded retries that honour
`Retry-After`, and failures turned into one-line `ExternalServiceError`s without secrets."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from deploycount.errors import ExternalServiceError
from deploycount.masking import mask, safe_url

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
_BODY_EXCERPT = 200


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
    ) -> requests.Response:
        """Send, retrying connection errors, 429 and 5xx until `max_retry_seconds` is spent.

        `what` names the system in errors ("Pushgateway"). Any other 4xx fails at once.
        `accept` lets a caller treat a special answer (GitHub's 403 rate limit) as retryable
        by returning False for it; `wait` says how long such an answer asks us to wait.
        """
        policy = self.policy
        deadline = self._clock() + policy.max_retry_seconds
        shown = safe_url(url)
        attempt = 0
        status: int | None = None
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    data=data,
                    headers=dict(headers or {}),
                    params=params,
                    timeout=(policy.connect_timeout, policy.read_timeout),
                )
            except requests.Timeout:
                status, reason = None, f"no answer within {policy.read_timeout:g}s"
            except requests.ConnectionError as error:
                status, reason = None, _connection_reason(error)
            except requests.RequestException as error:
                raise ExternalServiceError(
                    mask(f"{what} request to {shown} failed: {type(error).__name__}")
                ) from None
            else:
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
            delay = (
                retry_after
                if retry_after is not None
                else min(policy.max_delay, policy.first_delay * 2 ** (attempt - 1))
            )
            if self._clock() + delay > deadline:
                raise ExternalServiceError(
                    mask(
                        f"{what} at {shown} failed after {attempt} attempt(s) within "
                        f"{policy.max_retry_seconds:g}s: {reason}"
                    ),
                    status=status,
                    retry_after=retry_after,
                )
            self._note(f"{method} {shown}: {reason}; retrying in {delay:.1f}s")
            self._sleep(delay)

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
    if value.isdigit():
        return float(value)
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
