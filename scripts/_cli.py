"""What every post-deploy tool shares: arguments, stack settings, AWS clients, output, exit codes.

Exit codes (DESIGN §5): 0 all good, 1 a check or operation failed, 2 bad usage or bad input.
Errors are one line on stderr, never a traceback. Everything printed (errors, progress, tables,
JSON) passes through :func:`dixie_infra.redaction.safe` with the secrets registered so far
(:func:`register_secret`): no password or connection string reaches the terminal, and no control
character or rich markup chosen by a remote peer is acted on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

from dixie_infra.redaction import redact as redact  # re-exported: the tools' one redactor
from dixie_infra.redaction import safe
from dixie_infra.settings import Settings, SettingsError, load_stack_file

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_SECRETS_LOCK = threading.Lock()
_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret for the rest of the process: no output of any tool will contain it."""
    if value:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def known_secrets() -> list[str]:
    with _SECRETS_LOCK:
        return list(_SECRETS)


def shown(text: Any, *, keep_newlines: bool = False) -> str:
    """``text`` as it may be printed: registered secrets and URL credentials masked, controls escaped."""
    return safe(str(text), known_secrets(), keep_newlines=keep_newlines)


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


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return shown(value, keep_newlines=True)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return shown(value)


def print_json(document: Any) -> None:
    # json.dump escapes control characters itself; redaction is what _clean adds.
    json.dump(_clean(document), sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, caption: str | None = None
) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # Text, not str: rich would read "[link=...]" or "[/]" in a peer's words as markup.
    table = Table(
        title=Text(shown(title)),
        caption=Text(shown(caption)) if caption is not None else None,
        show_lines=False,
        title_justify="left",
    )
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(shown(cell, keep_newlines=True)) for cell in row))
    Console(file=sys.stdout, width=_terminal_width(), soft_wrap=False).print(table)


def print_line(text: str) -> None:
    """One line of human output on stdout, made safe like every other output."""
    print(shown(text), flush=True)


def _terminal_width() -> int:
    try:
        return max(100, os.get_terminal_size().columns)
    except OSError:
        return 140


def progress(message: str) -> None:
    """Progress for people, on stderr so ``--json`` stdout stays one document."""
    print(shown(message), file=sys.stderr, flush=True)


def positive(value: float, option: str, *, maximum: float, allow_zero: bool = False) -> float:
    """A duration option's value; refused (exit 2) unless finite, within ``maximum`` and positive
    (or zero when allowed). ``inf`` would retry or wait forever, ``nan`` compares false to every
    bound, so both would otherwise slip past the range check."""
    low = ">= 0" if allow_zero else "> 0"
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero) or value > maximum:
        raise UsageError(f"{option} must be a number {low} and <= {maximum:g}, got {value:g}")
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


def describe_failure(exc: Exception) -> tuple[int, str]:
    """The exit code and one-line message :func:`run_tool` would report for ``exc``."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OperationFailed):
        return EXIT_FAILED, str(exc)
    return _classify(exc)


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
    text = safe(message, [*known, *known_secrets()], keep_newlines=True).strip()
    first_line = text.splitlines()[0] if text else "failed"
    print(f"{prog}: error: {first_line}", file=sys.stderr)
    return code
