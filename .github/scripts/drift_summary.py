"""Markdown for the drift workflow's job summary: what `pulumi preview --refresh --expect-no-changes`
and `python -m scripts.discover_nats --json` found, each with its verdict.

    python .github/scripts/drift_summary.py --stack armitage \
        --pulumi reports/drift-preview.txt --pulumi-status 0 \
        --nats reports/drift-nats.json --nats-status 1

A reader of the summary wants the drifted resources and properties first and the full log second:
the resource lines of the preview (create, update, replace, delete) and its `Resources:` block are
lifted out, the whole output follows in a folded block. The exit statuses decide the verdicts;
this script itself always exits 0 when it could write the summary (the workflow's steps carry
the failures), and 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

#: The preview's per-resource operation lines, in both its table form and its --diff form:
#: " ~   └─ aws:ssm:Parameter  name  update  [diff: ~value]" and "    ~ aws:ssm/parameter:Parameter: (update)".
CHANGE = re.compile(r"^\s*(\+-|-\+|\+\+|--|[~+\-])\s+(?:[└├│─\s]*)([a-z0-9]+:[A-Za-z0-9/_.:-]+)")
#: A summary holds at most 1 MiB per step; the folded log keeps its end, where the totals are.
LOG_LIMIT = 200_000


def preview_section(text: str, status: int) -> list[str]:
    verdict = "✅ no drift" if status == 0 else f"❌ drift or error (exit {status})"
    lines = [f"#### `pulumi preview --refresh --expect-no-changes`: {verdict}", ""]
    changes = [line.rstrip() for line in text.splitlines() if CHANGE.match(line)]
    if changes:
        lines += ["Changed resources:", "", "```text", *changes, "```", ""]
    totals = _resources_block(text)
    if totals:
        lines += ["```text", *totals, "```", ""]
    if not text.strip():
        lines += ["The preview wrote no output (see the step's log).", ""]
    else:
        tail = text[-LOG_LIMIT:]
        lines += [
            "<details><summary>full preview output</summary>",
            "",
            "```text",
            tail.rstrip("\n"),
            "```",
            "</details>",
            "",
        ]
    return lines


def _resources_block(text: str) -> list[str]:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "Resources:":
            block = [line]
            for following in lines[index + 1 :]:
                if not following.strip():
                    break
                block.append(following.rstrip())
            return block
    return []


def nats_section(document: dict[str, Any] | None, status: int) -> list[str]:
    verdict = "✅ no drift" if status == 0 else f"❌ drift or error (exit {status})"
    lines = [f"#### `python -m scripts.discover_nats`: {verdict}", ""]
    if document is None:
        return [*lines, "No report (see the step's log).", ""]
    urls = ", ".join(f"`{u}`" for u in document.get("natsUrls", [])) or "none"
    lines += [f"Running NATS task(s): {urls}", "", "| source | url | status | detail |", "|---|---|---|---|"]
    for source in document.get("sources", []):
        cells = [
            source.get("source", "?"),
            f"`{source.get('url', '')}`",
            source.get("status", "?"),
            source.get("detail", ""),
        ]
        lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    fixes = document.get("fix") or []
    if fixes:
        lines += ["", "To fix:", "", "```bash", *fixes, "```"]
    return [*lines, ""]


def load_nats(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    if not text.strip():
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return None
    return document if isinstance(document, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="drift_summary.py", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--pulumi", type=Path, required=True, metavar="FILE")
    parser.add_argument("--pulumi-status", type=int, required=True, metavar="N")
    parser.add_argument("--nats", type=Path, required=True, metavar="FILE")
    parser.add_argument("--nats-status", type=int, required=True, metavar="N")
    args = parser.parse_args(argv)
    try:
        preview = args.pulumi.read_text(errors="replace")
    except FileNotFoundError:
        preview = ""
    drifted = args.pulumi_status != 0 or args.nats_status != 0
    heading = "❌ drift found" if drifted else "✅ no drift"
    out = [f"### Drift on {args.stack}: {heading}", ""]
    out += preview_section(preview, args.pulumi_status)
    out += nats_section(load_nats(args.nats), args.nats_status)
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
