"""The sticky pull-request comment, as a pure function of plain data.

Summary first (this pull request, then the repository's delivery in a two-column table that fits
a comment's width), the warnings that qualify it, the weekly chart; the details (commits, teams,
what waits to ship) folded away in `<details>`. Everything user-supplied is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from deploycount.model import Report
from deploycount.render.common import window
from deploycount.render.markdown_text import escape, table
from deploycount.render.summary import (
    DEFINITION,
    alerts,
    mermaid_chart,
    service_table,
    summary_table,
    team_table,
)

MARKER = "<!-- deploycount -->"
GITHUB_LIMIT = 65_536
_BUDGET = 60_000  # leave room under GitHub's limit for the parts after the commit table
_SUBJECT = 72
_SHA = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass(frozen=True)
class PullCommit:
    sha: str
    subject: str
    ai: bool
    tools: tuple[str, ...]
    confidence: str | None
    merge: bool = False
    empty: bool = False

    @property
    def counted(self) -> bool:
        return not (self.merge or self.empty)


@dataclass(frozen=True)
class Waiting:
    """Commits on the default branch that no deploy has shipped yet."""

    branch: str
    count: int
    newest: tuple[tuple[str, str], ...]  # (sha, subject), newest first


def _subject(text: str) -> str:
    text = text if len(text) <= _SUBJECT else text[: _SUBJECT - 1] + "…"
    return escape(text)


def _sha_cell(sha: str, commit_url: str | None) -> str:
    """The short sha, linked to the commit when the host is known and the sha is a sha."""
    short = f"`{sha[:7]}`"
    if commit_url and _SHA.match(sha):
        return f"[{short}]({commit_url}/{sha})"
    return short


def pull_line(commits: list[PullCommit] | None, pull: int | None) -> str:
    """The pull request's own figures; `commits` None: they are not known (no base branch)."""
    what = f"This pull request (#{pull})" if pull is not None else "This branch"
    if commits is None:
        return f"**{what}:** its own commits are not known here (no base branch: see the warning)"
    counted = [c for c in commits if c.counted]
    assisted = [c for c in counted if c.ai]
    tools = sorted({tool for c in assisted for tool in c.tools})
    parts = [
        f"**{what}:** {len(counted)} commit(s)",
        f"**{len(assisted)} AI-assisted**"
        + (
            f" ({', '.join([f'{round(100 * len(assisted) / len(counted))}%', *tools])})"
            if counted
            else ""
        ),
    ]
    merges = sum(c.merge for c in commits)
    empty = sum(c.empty and not c.merge for c in commits)
    left_out = [f"{merges} merge(s)"] if merges else []
    left_out += [f"{empty} empty commit(s)"] if empty else []
    if left_out:
        parts.append(" and ".join(left_out) + " not counted")
    return " · ".join(parts)


def _commit_rows(commits: list[PullCommit], commit_url: str | None) -> list[list[str]]:
    rows = []
    for c in commits:
        note = (
            " *(merge, not counted)*" if c.merge else " *(empty, not counted)*" if c.empty else ""
        )
        rows.append(
            [
                _sha_cell(c.sha, commit_url),
                _subject(c.subject) + note,
                "yes" if c.ai else "no",
                ", ".join(c.tools) or "–",
                c.confidence or "–",
            ]
        )
    return rows


def render_comment(
    report: Report,
    commits: list[PullCommit] | None,
    waiting: Waiting | None,
    *,
    pull: int | None,
    commit_url: str | None = None,
    touched: Sequence[str] | None = None,
    earlier: Report | None = None,
) -> str:
    """`commit_url` is the prefix of commit links, e.g. https://github.com/acme/api/commit.
    `touched`: the services of `[services]` whose paths the pull request changes (None: the
    repository has no services). `earlier`: when the window held no deploy, the report of a
    window as long that ends with the last one, whose delivery is shown instead, said so."""
    # The pull request first: its commits, what it touches, when it would ship; its commit
    # table follows (folded). Then the team's delivery in the window, compact when quiet.
    head = [
        MARKER,
        f"### deploycount · {escape(report.repository)} · {escape(report.environment)}",
        "",
        pull_line(commits, pull),
        *_ships(earlier or report, touched),
        "",
    ]
    tail = [*_delivery(earlier or report, waiting, touched, quiet=report if earlier else None)]
    shown = earlier or report
    if shown.teams and shown.totals.deployments:
        tail += [
            "<details><summary>Per team</summary>",
            "",
            *team_table(shown),
            "",
            "</details>",
            "",
        ]
    if waiting is not None and waiting.newest:
        tail += [
            f"<details><summary>Waiting to ship on {escape(waiting.branch)} "
            f"({waiting.count})</summary>",
            "",
            *[
                f"- {_sha_cell(sha, commit_url)} {_subject(subject)}"
                for sha, subject in waiting.newest
            ],
            *(
                [f"- …and {waiting.count - len(waiting.newest)} more"]
                if waiting.count > len(waiting.newest)
                else []
            ),
            "",
            "</details>",
            "",
        ]
    tail.append(
        "<sub>Generated by deploycount: team-level figures only; "
        "definitions: docs/how-it-works.md.</sub>"
    )
    return _fit(_assemble(head, _commit_rows(commits or [], commit_url), tail))


def _ships(report: Report, touched: Sequence[str] | None) -> list[str]:
    """The services the pull request touches, and the deploy it would ship with."""
    if touched is not None and report.services and not touched:
        return [
            "",
            "It touches no service's paths: it ships with the next deploy of any service, and "
            "no service counts it.",
        ]
    what = (
        "the next deploy of " + ", ".join(f"**{escape(name)}**" for name in touched)
        if touched
        else f"the next {escape(report.environment)} deploy"
    )
    shipped = [d for d in report.deployments if d.kind == "ship"]
    last = f" (the last was {escape(shipped[-1].id)} on {shipped[-1].time[:10]})" if shipped else ""
    return ["", f"Once merged, it ships with {what}{last}."]


def _delivery(
    report: Report,
    waiting: Waiting | None,
    touched: Sequence[str] | None,
    *,
    quiet: Report | None = None,
) -> list[str]:
    """The team's delivery in the report's window: the figures, warnings and chart; one line
    and the warnings when the window holds no deploy (a table of zeros says nothing). `quiet`:
    the window asked for, which held none (`report` is then the last window that did)."""
    lines = [f"#### The team's delivery, {window(report)}", ""]
    if quiet is not None:
        lines += [f"No deploy in {window(quiet)}: the last window as long that held one.", ""]
    if not report.totals.deployments:
        none = next((w for w in report.warnings if w.startswith("no deploy of")), None)
        said = escape(none) if none else "No deploy shipped counted commits in the window."
        lines += [said, ""]
        lines += alerts([w for w in report.warnings if w != none])
        return lines
    lines += [
        *summary_table(
            report, waiting=(waiting.count, escape(waiting.branch)) if waiting else None
        ),
        "",
        DEFINITION,
        "",
    ]
    # Warnings right under the figures they qualify (after a list, a renderer may fold a quote
    # into its last item, so they follow the table).
    lines += alerts(report.warnings)
    lines += [*mermaid_chart(report), ""]
    if touched and report.services:
        lines += [*service_table(report, only=set(touched)), ""]
    return lines


def _assemble(head: list[str], rows: list[list[str]], tail: list[str]) -> str:
    """Keep as many commit rows as fit under GitHub's limit and say what was cut."""
    fixed = len("\n".join(head + tail)) + 300
    kept: list[list[str]] = []
    used = fixed
    for row in rows:
        size = sum(len(cell) for cell in row) + 20
        if used + size > _BUDGET:
            break
        kept.append(row)
        used += size
    lines = list(head)
    if rows:
        lines += [
            f"<details><summary>Commits in this pull request ({len(rows)})</summary>",
            "",
            *table(["commit", "subject", "AI", "tools", "confidence"], kept),
        ]
        if len(kept) < len(rows):
            lines += ["", f"…and {len(rows) - len(kept)} more commit(s) not shown."]
        lines += ["", "</details>", ""]
    return "\n".join(lines + tail) + "\n"


def _fit(body: str) -> str:
    """Under GitHub's limit whatever the warnings hold: cut at a line, then close whatever the
    cut left open (a Mermaid fence, a <details>), so the rest of the page still renders."""
    if len(body) < GITHUB_LIMIT:
        return body
    lines = body[: GITHUB_LIMIT - 400].split("\n")[:-1]
    if sum(line.startswith("```") for line in lines) % 2:
        lines.append("```")
    opened = sum(line.startswith("<details>") for line in lines)
    closed = sum(line.startswith("</details>") for line in lines)
    lines += ["", "</details>"] * (opened - closed)
    lines += ["", "…(truncated to fit GitHub's comment size limit)", ""]
    return "\n".join(lines)
