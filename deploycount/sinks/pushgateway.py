"""Prometheus Pushgateway: PUT the report's metrics to its grouping key, or DELETE the group.

PUT replaces the whole group, so pushing the same report twice leaves the same values."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from urllib.parse import quote

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from deploycount.http import HttpClient
from deploycount.render.exposition import text_exposition
from deploycount.render.samples import Family, Labels


def grouping_segment(name: str, value: str) -> str:
    """`name/value`, or `name@base64/...` where a plain value would break the URL path."""
    if value == "":
        return f"{name}@base64/="
    if "/" in value or " " in value:
        return f"{name}@base64/{base64.urlsafe_b64encode(value.encode()).decode()}"
    return f"{name}/{quote(value, safe='')}"


def grouping_path(grouping: Labels) -> str:
    return "/metrics/" + "/".join(grouping_segment(name, value) for name, value in grouping)


def push_pushgateway(
    client: HttpClient, base_url: str, grouping: Labels, families: Sequence[Family]
) -> str:
    url = base_url.rstrip("/") + grouping_path(grouping)
    client.request(
        "PUT",
        url,
        what="Pushgateway",
        data=text_exposition(families),
        headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4},
    )
    return url


def delete_group(client: HttpClient, base_url: str, grouping: Labels) -> str:
    """Remove every metric of the group (an archived repository, a retired environment)."""
    url = base_url.rstrip("/") + grouping_path(grouping)
    client.request("DELETE", url, what="Pushgateway")
    return url
