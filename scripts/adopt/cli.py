"""The tool: arguments, inputs checked before any work, one run from stack file to report."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dixie_infra.redaction import shorten
from dixie_infra.settings import (
    Settings,
    SettingsError,
    load_stack_file,
    parse_settings,
    split_config,
    stack_file,
)
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    aws_session,
    new_parser,
    print_json,
    region_for,
    run_tool,
)
from scripts.adopt.aws import AwsLookup
from scripts.adopt.kinds import ImportContext
from scripts.adopt.matching import match_resources
from scripts.adopt.program import evaluate_program
from scripts.adopt.report import document, import_file, render
from scripts.adopt.terraform import StateError, TfResource, environments, parse_state

PROG = "python -m scripts.adopt"

# --- the tool -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Adopt the resources terraform (and hand-made commands) created: match them to what the "
        "program declares, write a `pulumi import --file` document and report every difference.",
        epilog=(
            "exit codes: 0 all matched, nothing replaced; 1 a replacement or a failed check; 2 bad input\n"
            "example: terraform show -json | python -m scripts.adopt --stack armitage --terraform-state -"
        ),
    )
    parser.add_argument(
        "--terraform-state",
        required=True,
        metavar="FILE",
        help="`terraform show -json` output of the environment's state; - reads stdin",
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the import file (default: adopt-<STACK>.json)",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.<STACK>.yaml (default: the project's root)",
    )
    return parser


#: ``terraform show -json`` of the split is about 100 KB; a state this large is not one to adopt
#: by reading it whole into memory.
MAX_STATE_BYTES = 32 * 1024 * 1024


def read_state(source: str) -> list[TfResource]:
    """The state document at ``source`` (``-``: stdin), bounded in size and strictly UTF-8."""
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = (
                stream.read(MAX_STATE_BYTES + 1)
                if stream is not None
                else sys.stdin.read(MAX_STATE_BYTES + 1)
            )
        else:
            with Path(source).open("rb") as handle:
                raw = handle.read(MAX_STATE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--terraform-state {source}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_STATE_BYTES:
        raise UsageError(
            f"--terraform-state {source}: larger than {MAX_STATE_BYTES // (1024 * 1024)} MiB; "
            "allowed: the `terraform show -json` output of one environment's state"
        )
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"--terraform-state {source}: is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "allowed: the `terraform show -json` output, which is UTF-8"
        ) from None
    try:
        return parse_state(text)
    except StateError as exc:
        raise UsageError(f"--terraform-state {source}: {exc}") from None


def check_output(output: Path) -> None:
    """Refuse an --output that cannot be written, before any of the work is done."""
    directory = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise UsageError(f"--output {output}: is a directory; allowed: a file path")
    if not directory.is_dir():
        raise UsageError(f"--output {output}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise UsageError(f"--output {output}: not writable by this user")


def check_account(aws: AwsLookup, settings: Settings) -> ImportContext:
    """The caller's account must be one the stack allows (``aws:allowedAccountIds``), as the
    provider itself would insist at ``pulumi up``; otherwise every answer below is about
    another account (an empty one says "nothing exists", which reads like a fresh start)."""
    account, partition = aws.caller()
    if account not in settings.allowed_account_ids:
        raise UsageError(
            f"the AWS credentials belong to account {account}, which stack {settings.stack!r} does not allow "
            f"(aws:allowedAccountIds: {', '.join(settings.allowed_account_ids)}); use credentials for that account"
        )
    return ImportContext(partition=partition, region=aws.session.region_name, account=account)


def check_environment(state: list[TfResource], settings: Settings, source: str) -> None:
    found = environments(state)
    expected = settings.environment.value
    others = {env: addresses for env, addresses in found.items() if env != expected}
    if others:
        env, addresses = next(iter(sorted(others.items())))
        raise UsageError(
            # Both come from the state: bounded, and repr() shows control characters as escapes.
            f"--terraform-state {source} belongs to environment {shorten(repr(env))} "
            f"({shorten(repr(addresses[0]))} and "
            f"{len(addresses) - 1} more say so), not to stack {settings.stack!r} ({expected}); "
            f"export the state of workspace {expected} (terraform workspace select {expected})"
        )
    if not found:
        raise UsageError(
            f"--terraform-state {source}: no resource says which environment it belongs to "
            "(no Environment tag, no /dixie/<env>/ parameter); refusing to guess"
        )


@dataclass(frozen=True)
class Stack:
    """One read of ``Pulumi.<stack>.yaml``: the tools' settings and the program's config."""

    settings: Settings
    config: dict[str, Any]
    secret_keys: list[str]

    @property
    def secret_names(self) -> frozenset[str]:
        """The ``secure:`` keys, without their namespace."""
        return frozenset(k.partition(":")[2] for k in self.secret_keys)


def read_stack(stack: str, project_dir: Path | None) -> Stack:
    from dixie_infra.offline import stack_config

    try:
        if not stack_file(stack, project_dir).is_file():
            load_stack_file(stack, project_dir)  # reads nothing: raises "no stack file; available: ..."
        config, secret_keys = stack_config(stack, project_dir)
        values, aws = split_config(config)
        settings = parse_settings(
            stack, values, aws, secret_keys=frozenset(k.partition(":")[2] for k in secret_keys)
        )
    except SettingsError as exc:
        raise UsageError(f"stack {stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None
    return Stack(settings, config, secret_keys)


def main(argv: list[str] | None = None) -> int:
    def body() -> int:
        args = build_parser().parse_args(argv)
        stack = read_stack(args.stack, args.project_dir)
        settings = stack.settings
        output: Path = args.output or Path(f"adopt-{args.stack}.json")
        check_output(output)
        state = read_state(args.terraform_state)
        check_environment(state, settings, args.terraform_state)
        aws = AwsLookup(aws_session(region_for(args, settings)))
        context = check_account(aws, settings)
        declared = evaluate_program(args.stack, stack.config, stack.secret_keys)
        adoption = match_resources(args.stack, declared, state, aws, context)

        imports = import_file(adoption, declared)
        output.write_text(json.dumps(imports, indent=2) + "\n")
        report = document(adoption, settings, stack.secret_names, output)
        if args.json:
            print_json(report)
        else:
            render(adoption, report, len(imports["resources"]))
        return EXIT_OK if adoption.ok else EXIT_FAILED

    return run_tool(PROG, body)
