"""``make plan``: evaluate a stack offline and print what it would register, its outputs and the
policy pack's findings (``python -m dixie_infra.offline``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dixie_infra import aws_types
from dixie_infra.offline import policies
from dixie_infra.offline.record import STACK_TYPE, Evaluation, Resource, mask
from dixie_infra.offline.runner import evaluate, stack_config
from dixie_infra.settings import SettingsError

PIPED_WIDTH = 200


def _key_settings(resource: Resource) -> str:
    picks = aws_types.key_settings(resource.type, resource.plain)
    if resource.protect:
        picks.append("protected")
    return ", ".join(picks)


def plan_console() -> Console:
    """The terminal's width on a terminal; a wide page when piped (CI logs, files)."""
    if sys.stdout.isatty():
        return Console()
    return Console(width=int(os.environ.get("COLUMNS", "") or 0) or PIPED_WIDTH)


def _print_plan(evaluation: Evaluation) -> None:

    console = plan_console()
    table = Table(
        title=f"stack {evaluation.stack}: {len(evaluation.resources) - 1} resources (offline plan)",
        title_justify="left",
    )
    for column in ("type", "logical name", "physical name", "key settings"):
        table.add_column(column, overflow="fold")
    for resource in evaluation.resources:
        if resource.type == STACK_TYPE:
            continue
        # Text, not str: a value such as "[secret]" must print as itself, not be read as markup.
        table.add_row(
            *(
                Text(cell)
                for cell in (resource.type, resource.name, resource.physical_name, _key_settings(resource))
            )
        )
    console.print(table)
    outputs = Table(title="stack outputs", title_justify="left")
    outputs.add_column("output")
    outputs.add_column("value", overflow="fold")
    for key, value in sorted(mask(evaluation.outputs).items()):
        outputs.add_row(Text(key), Text(str(value)))
    console.print(outputs)
    console.print(
        "Ids, ARNs, endpoints, digests and generated secrets above are offline placeholders, "
        "not values from AWS. Run `pulumi preview -s "
        f"{evaluation.stack}` against the account for the real diff."
    )
    console.print(f"Evaluated in {evaluation.seconds:.3f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dixie_infra.offline",
        description="Evaluate the Pulumi program offline (mock runtime) and print what it would register.",
    )
    parser.add_argument(
        "--stack",
        default="armitage",
        help="stack whose Pulumi.<STACK>.yaml to evaluate (default: %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print resources and outputs as one JSON document"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.<STACK>.yaml (default: the project's root)",
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        default=None,
        help=f"a --policy-pack-config file for the policy pack (default: ${policies.POLICY_CONFIG_ENV}, if set)",
    )
    args = parser.parse_args(argv)
    try:
        pack_config = (
            policies.load_pack_config(args.policy_config)
            if args.policy_config is not None
            else policies.config_from_environment()
        )
    except policies.PolicyConfigError as exc:
        print(f"policy config: {exc}", file=sys.stderr)
        return 2
    try:
        config, secret_keys = stack_config(args.stack, args.project_dir)
        evaluation = evaluate(args.stack, config, secret_keys=secret_keys)
    except SettingsError as exc:
        print(f"stack {args.stack}: {len(exc.problems)} configuration problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for people; the program's own error text
        print(f"stack {args.stack}: the program failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    findings = policies.check_policies(evaluation, pack_config=pack_config)
    if args.json:
        json.dump(
            {
                "stack": evaluation.stack,
                "placeholders": "ids, ARNs, endpoints and generated secrets are offline placeholders",
                "resources": [
                    {
                        "type": r.type,
                        "name": r.name,
                        "physicalName": r.physical_name,
                        "protect": r.protect,
                        "inputs": mask(r.inputs),
                    }
                    for r in evaluation.resources
                    if r.type != STACK_TYPE
                ],
                "outputs": mask(evaluation.outputs),
                "policyFindings": [f.as_dict() for f in findings],
            },
            sys.stdout,
            indent=2,
            default=str,
        )
        print()
    else:
        _print_plan(evaluation)
        policies.render_findings(findings, plan_console())
    # A mandatory policy violation would fail `pulumi preview --policy-pack policy` too.
    return 1 if policies.has_mandatory(findings) else 0
