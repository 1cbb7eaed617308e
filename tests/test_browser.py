"""What release managers look at, rendered the way GitHub renders it: the golden PR comment and
Markdown report through `marked` (GitHub-flavoured Markdown) and `mermaid` (both from the npm
registry) in a real headless Chromium, 880 px wide like a comment, in the light and the dark
theme. The screenshots are kept under test-artifacts/."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.tools import required_tool

pytestmark = pytest.mark.linux_only

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "expected"
ARTIFACTS = ROOT / "test-artifacts"
# marked-alert renders `> [!WARNING]` as GitHub does (a titled, coloured alert block).
PACKAGES = {"marked": "18.2.1", "mermaid": "11.17.2", "marked-alert": "2.1.2"}
NODE_DIR = ROOT / ".cache" / "browser"
WIDTH = 880

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { margin: 0; background: BACKGROUND; color: FOREGROUND;
         font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
  #comment { width: WIDTHpx; box-sizing: border-box; padding: 16px; overflow-wrap: break-word; }
  /* GitHub's own table rule: a table too wide scrolls inside itself */
  table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content;
          max-width: 100%; overflow: auto; }
  td, th { border: 1px solid #d0d7de; padding: 6px 13px; }
  pre { overflow: auto; }
  /* GitHub's alert: a coloured bar and title; the warning's colour reads in both themes */
  .markdown-alert { padding: 0 1em; margin-bottom: 16px; border-left: .25em solid #9a6700; }
  .markdown-alert-title { display: flex; font-weight: 500; align-items: center; color: #9a6700; }
  .markdown-alert-title svg { margin-right: 8px; fill: currentColor; }
</style></head><body>
<div id="comment"></div><pre id="result"></pre>
<script src="MARKED"></script><script src="ALERT"></script><script src="MERMAID"></script>
<script>
const body = MARKDOWN;
marked.use(markedAlert());
document.getElementById("comment").innerHTML = marked.parse(body, {gfm: true});
for (const code of document.querySelectorAll("code.language-mermaid")) {
  const holder = document.createElement("pre");
  holder.className = "mermaid";
  holder.textContent = code.textContent;
  code.parentElement.replaceWith(holder);
}
mermaid.initialize({startOnLoad: false, theme: "THEME"});
mermaid.run({querySelector: ".mermaid"}).then(measure, (e) => report({error: String(e)}));
function report(value) { document.getElementById("result").textContent = JSON.stringify(value); }
function measure() {
  const root = document.getElementById("comment");
  const svg = root.querySelector(".mermaid svg");
  const bars = svg ? [...svg.querySelectorAll("g[class^='bar-plot'] rect")] : [];
  const lines = svg ? [...svg.querySelectorAll("g[class^='line-plot'] path")] : [];
  const alerts = [...root.querySelectorAll(".markdown-alert-warning")].length;
  const ticks = svg ? [...svg.querySelectorAll(".left-axis .label text")].map(t => t.textContent) : [];
  const boxes = svg ? [...svg.querySelectorAll(".bottom-axis .label text")]
    .map(t => t.getBoundingClientRect()).sort((a, b) => a.left - b.left) : [];
  const overlaps = boxes.slice(1).filter((box, i) => box.left < boxes[i].right).length;
  // the delivery summary: the first table not folded in a <details> (the pull request's own
  // commits come first, folded)
  const summaryTable = [...root.querySelectorAll("table")].find(t => !t.closest("details"));
  const summaryBottom = summaryTable ? summaryTable.getBoundingClientRect().bottom : null;
  // What a reader can open must fit too: every <details> opened before measuring widths.
  for (const details of root.querySelectorAll("details")) details.open = true;
  const tables = [...root.querySelectorAll("table")];
  report({
    svg: !!svg,
    svgWidth: svg ? svg.getBoundingClientRect().width : 0,
    bars: bars.length,
    heights: bars.map(b => Number(b.getAttribute("height"))),
    labelTexts: svg ? [...svg.querySelectorAll(".bottom-axis .label text")].map(t => t.textContent) : [],
    fills: [...new Set(bars.map(b => b.getAttribute("fill")))],
    strokes: [...new Set(lines.map(l => l.getAttribute("stroke")))],
    lines: lines.length,
    alerts: alerts,
    ticks: ticks,
    labels: boxes.length,
    overlaps: overlaps,
    syntaxError: root.innerText.includes("Syntax error"),
    rootScroll: root.scrollWidth, rootClient: root.clientWidth,
    pageScroll: document.documentElement.scrollWidth,
    tableOverflow: tables.map(t => t.scrollWidth - t.clientWidth),
    summaryBottom: summaryBottom,
    height: document.documentElement.scrollHeight,
  });
}
</script></body></html>
"""


@pytest.fixture(scope="module")
def renderers() -> Path:
    """marked and mermaid from the npm registry, pinned, installed once into .cache/."""
    npm = required_tool("npm", "apt-get install -y nodejs npm")
    marker = NODE_DIR / "installed.json"
    if not marker.exists() or json.loads(marker.read_text()) != PACKAGES:
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        installed = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), *specs],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr[-2000:]
        marker.write_text(json.dumps(PACKAGES))
    return NODE_DIR / "node_modules"


def render(markdown: str, modules: Path, tmp_path: Path, *, theme: str, shot: Path) -> Any:
    chromium = required_tool("chromium", "apt-get install -y chromium")
    background, foreground = ("#0d1117", "#e6edf3") if theme == "dark" else ("#ffffff", "#1f2328")
    page = (
        PAGE.replace("BACKGROUND", background).replace("FOREGROUND", foreground)
        .replace("WIDTH", str(WIDTH)).replace("THEME", theme)
        .replace("MARKED", (modules / "marked" / "lib" / "marked.umd.js").as_uri())
        .replace("ALERT", (modules / "marked-alert" / "dist" / "index.umd.js").as_uri())
        .replace("MERMAID", (modules / "mermaid" / "dist" / "mermaid.min.js").as_uri())
        .replace("MARKDOWN", json.dumps(markdown).replace("</", "<\\/"))
    )  # fmt: skip
    html = tmp_path / f"{theme}.html"
    html.write_text(page, encoding="utf-8")
    common = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--allow-file-access-from-files", "--virtual-time-budget=20000",
        f"--window-size={WIDTH},1400", f"--user-data-dir={tmp_path / 'profile'}",
    ]  # fmt: skip
    dumped = subprocess.run([*common, "--dump-dom", html.as_uri()], capture_output=True,
                            text=True, timeout=180, check=False)  # fmt: skip
    found = re.search(r'<pre id="result">(.*?)</pre>', dumped.stdout, re.S)
    assert found and found[1], dumped.stderr[-2000:]
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([*common, f"--screenshot={shot}", html.as_uri()], capture_output=True,
                   timeout=180, check=False)  # fmt: skip
    assert shot.exists() and shot.stat().st_size > 10_000
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))


def bar_values(markdown: str) -> list[int]:
    line = next(line for line in markdown.splitlines() if line.strip().startswith("bar ["))
    return [int(value) for value in line.split("[", 1)[1].rstrip("]").split(",")]


def bars_in(markdown: str) -> int:
    return sum(
        len(line.split(",")) for line in markdown.splitlines() if line.strip().startswith("bar [")
    )


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["default", "dark"])
@pytest.mark.parametrize("golden", ["comment-full.md", "report.md", "report-26-weeks.md"])
def test_rendered_at_comment_width(
    renderers: Path, tmp_path: Path, theme: str, golden: str
) -> None:
    markdown = (EXPECTED / golden).read_text(encoding="utf-8")
    shot = ARTIFACTS / f"{golden.removesuffix('.md')}-{theme}-{WIDTH}px.png"
    seen = render(markdown, renderers, tmp_path, theme=theme, shot=shot)
    assert "error" not in seen, seen
    assert seen["svg"] and not seen["syntaxError"], seen
    assert seen["bars"] == bars_in(markdown) > 0, seen
    # The explicit palette holds in both themes: blue bars for all deploys, and the AI part an
    # orange line over them, so a bar whose deploys all had AI work is still blue.
    assert {fill.lower() for fill in seen["fills"]} == {"#2f81f7"}, seen
    assert seen["lines"] == 1 and {s.lower() for s in seen["strokes"]} == {"#f0883e"}, seen
    # Warnings are GitHub alerts, one per warning.
    assert seen["alerts"] == markdown.count("> [!WARNING]"), seen
    # No y-axis, so no half-deploy ticks: each bar's count is under it, the bars' heights are
    # in proportion to the counts, the tallest reaches the top, and an empty week has no bar.
    counts = bar_values(markdown)
    assert seen["ticks"] == [], seen
    assert [int(text.rsplit(" ", 1)[1]) for text in seen["labelTexts"]] == counts, seen
    tallest = max(seen["heights"])
    assert tallest > 200, seen
    for count, height in zip(counts, seen["heights"], strict=True):
        assert abs(height - tallest * count / max(counts)) < 0.5, seen
    # Every period is labelled, and no two labels run into each other.
    assert seen["labels"] == bars_in(markdown) and seen["overlaps"] == 0, seen
    # Nothing overflows the comment's width, and no table scrolls, details opened.
    assert seen["rootScroll"] <= seen["rootClient"] and seen["pageScroll"] <= WIDTH, seen
    assert seen["svgWidth"] <= WIDTH, json.dumps(seen)
    assert all(extra <= 1 for extra in seen["tableOverflow"]), json.dumps(seen)
    # The summary is read without scrolling.
    assert seen["summaryBottom"] is not None and seen["summaryBottom"] <= 600, seen
    if os.environ.get("CI"):
        print(f"screenshot: {shot} ({seen['height']} px tall)")
