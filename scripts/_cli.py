"""What every post-deploy tool shares: arguments, stack settings, AWS clients, output, exit codes.

Exit codes (DESIGN §5): 0 all good, 1 a check or operation failed, 2 bad usage or bad input.
Errors are one line on stderr, never a traceback, and pass through :func:`redact` first so no
password or connection string reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from dixie_infra.redaction import redact
from dixie_infra.settings import Settings, SettingsError, load_stack_file

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Input we can tell is wrong before doing anything: exit 2."""


class OperationFailed(Exception):
    """An operation or check failed: exit 1."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line plus a hint, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def new_parser(prog: str, description: str, epilog: str | None = None) -> Parser:
    parser = Parser(
        prog=prog,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--stack",
        default="armitage",
        help="stack whose Pulumi.<STACK>.yaml supplies names, prefixes and region (default: %(default)s)",
    )
    parser.add_argument("--region", help="AWS region (default: the stack's aws:region, then AWS_REGION)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout instead of a table"
    )
    return parser


def stack_settings(stack: str) -> Settings:
    """Settings of ``Pulumi.<stack>.yaml``; a bad or missing stack is a usage error."""
    try:
        return load_stack_file(stack)
    except SettingsError as exc:
        raise UsageError(f"stack {stack!r}: " + "; ".join(str(p) for p in exc.problems)) from None


def region_for(args: argparse.Namespace, settings: Settings | None) -> str:
    region = (
        args.region
        or (settings.region if settings else None)
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
    )
    if not region:
        raise UsageError("no AWS region: pass --region, set aws:region in the stack, or set AWS_REGION")
    return region


def aws_session(region: str) -> Any:
    """A plain boto3 session; boto3 itself honours AWS_ENDPOINT_URL and the credential chain."""
    import boto3

    return boto3.session.Session(region_name=region)


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, caption=caption, show_lines=False, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    Console(file=sys.stdout, width=_terminal_width(), soft_wrap=False).print(table)


def _terminal_width() -> int:
    try:
        return max(100, os.get_terminal_size().columns)
    except OSError:
        return 140


def progress(message: str) -> None:
    """Progress for people, on stderr so ``--json`` stdout stays one document."""
    print(message, file=sys.stderr, flush=True)


def positive(value: float, option: str, *, allow_zero: bool = False) -> float:
    """A duration option's value, refused (exit 2) when negative, NaN, or zero unless allowed."""
    if value < 0 or (value == 0 and not allow_zero) or value != value:
        raise UsageError(f"{option} must be {'>= 0' if allow_zero else '> 0'}, got {value:g}")
    return value


def run_tool(prog: str, body: Callable[[], int], secrets: Callable[[], Iterable[str | None]] = tuple) -> int:
    """Run a tool's body, turning every failure into a one-line message and an exit code."""
    try:
        return body()
    except SystemExit as exited:
        # argparse exits for --help (0) and for usage errors it already printed on one line (2);
        # main(argv) returns that code instead, so callers and tests see an exit status.
        return exited.code if isinstance(exited.code, int) else EXIT_USAGE
    except UsageError as exc:
        return _fail(prog, EXIT_USAGE, str(exc), secrets)
    except OperationFailed as exc:
        return _fail(prog, EXIT_FAILED, str(exc), secrets)
    except KeyboardInterrupt:
        return _fail(prog, 130, "interrupted", secrets)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback reaches the user
        return _fail(prog, *_classify(exc), secrets)


def _classify(exc: Exception) -> tuple[int, str]:
    try:
        from botocore import exceptions as bx
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return EXIT_FAILED, f"{type(exc).__name__}: {exc}"
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return (
            EXIT_USAGE,
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        )
    if isinstance(exc, bx.NoRegionError):
        return EXIT_USAGE, "no AWS region: pass --region or set AWS_REGION"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        op = getattr(exc, "operation_name", "AWS call")
        if code in {
            "AccessDenied",
            "AccessDeniedException",
            "UnauthorizedOperation",
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "ExpiredToken",
        }:
            return EXIT_FAILED, f"AWS denied {op} ({code}): check the credentials' permissions"
        return EXIT_FAILED, f"AWS {op} failed ({code}): {error.get('Message', '')}"
    if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return EXIT_FAILED, f"cannot reach AWS: {exc}"
    if isinstance(exc, bx.BotoCoreError):
        return EXIT_FAILED, f"AWS client error: {exc}"
    return EXIT_FAILED, f"{type(exc).__name__}: {exc}"


def _fail(prog: str, code: int, message: str, secrets: Callable[[], Iterable[str | None]]) -> int:
    try:
        known = list(secrets())
    except Exception:  # noqa: BLE001 - redaction must never raise while reporting an error
        known = []
    first_line = redact(message, known).strip().splitlines()[0] if message.strip() else "failed"
    print(f"{prog}: error: {first_line}", file=sys.stderr)
    return code
