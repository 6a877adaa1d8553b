"""Render a ``scripts.verify_deploy --json`` report as Markdown for the deploy job's summary.

Usage: ``python .github/scripts/verification_summary.py REPORT EXIT_STATUS TITLE
[--github-output FILE]``. Prints the Markdown on stdout (the workflow appends it to
``$GITHUB_STEP_SUMMARY``). With ``--github-output``, also writes ``dixie-url=<dixieUrl>`` there,
so the job can link its environment to the deployed service. Standard library only: it runs with
whatever Python the job has, and must never be the reason a deploy's verdict is lost.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from pathlib import Path
from typing import Any

ICONS = {"pass": "✅", "fail": "❌", "skip": "⏭️"}
# Markdown's active punctuation (GFM: any ASCII punctuation may be backslash-escaped); ':' and '@'
# too, so a peer's text cannot become an autolink or an @-mention. '.' and '-' stay readable.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|~:@])")
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def cell(value: Any) -> str:
    """Text from the report as inert Markdown: no HTML, no link, no emphasis, no control character;
    pipes escaped and newlines folded, so one check stays one row. The details quote remote peers
    (a health body, an AWS message), so they are treated as hostile."""
    text = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value).replace("\r\n", "\n"))
    text = _MARKDOWN.sub(r"\\\1", text)
    # After the backslashes: & < > become entities, so no tag survives and none is half-escaped.
    return html.escape(text, quote=False).replace("\n", "<br>")


def render(report: dict[str, Any] | None, status: int, title: str) -> str:
    if report is None:
        return (
            f"### {title}: no report\n\n"
            f"verify_deploy exited {status} without a JSON report (bad usage or input); "
            "its one-line reason is in the step log.\n"
        )
    verdict = str(report.get("verdict", "fail" if status else "pass"))
    counts = ", ".join(f"{n} {s}" for s, n in (report.get("summary") or {}).items() if n)
    lines = [
        # The title is the workflow's own text, not a peer's.
        f"### {title}: {ICONS.get(verdict, '')} {cell(verdict)} (exit {status})".replace("  ", " "),
        "",
        f"{cell(counts)}. Dixie: {cell(report.get('dixieUrl', '?'))}",
        "",
        "| check | status | detail | s |",
        "|---|---|---|---:|",
    ]
    for check in report.get("checks") or []:
        state = str(check.get("status", "?"))
        seconds = check.get("seconds")
        took = f"{seconds:.2f}" if isinstance(seconds, int | float) else ""
        lines.append(
            f"| {cell(check.get('id', '?'))} | {ICONS.get(state, '')} {cell(state)} "
            f"| {cell(check.get('detail', ''))} | {took} |"
        )
    return "\n".join(lines) + "\n"


def load(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("status", type=int)
    parser.add_argument("title")
    parser.add_argument("--github-output", type=Path)
    args = parser.parse_args(argv)
    report = load(args.report)
    sys.stdout.write(render(report, args.status, args.title))
    url = (report or {}).get("dixieUrl")
    if args.github_output and isinstance(url, str) and url.startswith("https://"):
        with args.github_output.open("a", encoding="utf-8") as out:
            out.write(f"dixie-url={url}\n")
    # Rendering never changes the verdict: the workflow exits with verify_deploy's status.
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
