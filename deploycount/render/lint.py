"""Pure: lint findings as text lines, JSON, and GitHub Actions workflow commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based line in the message
    severity: Severity
    code: str
    message: str
    fix: str


@dataclass(frozen=True)
class Located:
    """A finding and where it was: a commit sha or a message file."""

    where: str
    kind: Literal["commit", "file"]
    finding: Finding


@dataclass(frozen=True)
class LintResult:
    checked: int
    findings: tuple[Located, ...]

    @property
    def errors(self) -> int:
        return sum(1 for item in self.findings if item.finding.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def lint_text(result: LintResult) -> list[str]:
    lines = []
    for item in result.findings:
        f = item.finding
        label = item.where[:12] if item.kind == "commit" else item.where
        lines.append(f"{label}:{f.line}: {f.severity}: {f.message} (fix: {f.fix})")
    return lines


def lint_json(result: LintResult) -> str:
    return json.dumps(
        [
            {
                item.kind: item.where,
                "line": item.finding.line,
                "severity": item.finding.severity,
                "code": item.finding.code,
                "message": item.finding.message,
                "fix": item.finding.fix,
            }
            for item in result.findings
        ],
        indent=2,
    )


def lint_annotations(result: LintResult) -> list[str]:
    """One `::error` or `::warning` workflow command per finding (shown on the run and PR)."""
    lines = []
    for item in result.findings:
        f = item.finding
        is_file = item.kind == "file"
        location = f"file={annotation(item.where, True)},line={f.line}," if is_file else ""
        title = "deploycount lint" + ("" if is_file else f" {item.where[:12]}")
        text = annotation(f"{f.message} - {f.fix}", False)
        command = "error" if f.severity == "error" else "warning"
        lines.append(f"::{command} {location}title={annotation(title, True)}::{text}")
    return lines


def lint_output(result: LintResult, output_format: str, *, annotate: bool) -> str:
    """What `lint` prints on stdout: text lines or JSON, then the workflow commands when
    running inside GitHub Actions."""
    lines = [lint_json(result)] if output_format == "json" else lint_text(result)
    if annotate:
        lines += lint_annotations(result)
    return "".join(f"{line}\n" for line in lines)


def lint_summary(result: LintResult) -> str:
    return (
        f"{result.checked} message(s) checked: {result.errors} error(s), "
        f"{result.warnings} warning(s)"
    )


def annotation(text: str, property_value: bool) -> str:
    """Escape text for a GitHub Actions workflow command."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text
