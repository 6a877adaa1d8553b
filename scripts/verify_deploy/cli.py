"""``verify_deploy``'s command line: the parser, and ``main``, which runs the phase's checks."""

from __future__ import annotations

import argparse
import os
import re
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from scripts import _health, _nats
from scripts._aws import AwsClients, clients, session_for
from scripts._checks import Once, SecretBag, parse_only, report, run_until_passing
from scripts._cli import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    new_parser,
    positive,
    progress,
    region_for,
    register_secret,
    run_tool,
    stack_settings,
)
from scripts.verify_deploy.context import (
    DATABASE_CA_FLAG,
    DATABASE_URL_ENV,
    INSECURE_DATABASE_FLAG,
    SEVERITIES,
    Context,
)
from scripts.verify_deploy.registry import POST_CHECKS, PREFLIGHT_CHECKS, REGISTRY

PROG = "python -m scripts.verify_deploy"
# fullmatch over ASCII classes: "$" would let a trailing newline through and "\d" full-width digits.
_TASK_DEFINITION = re.compile(
    r"(?:arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/)?[A-Za-z0-9_-]{1,255}:[0-9]{1,9}"
)
#: Longest a check may take (--timeout) and longest --wait may retry: beyond these a typo ("5000"),
#: not a plan. inf and nan are refused too: they would retry forever or compare false to any bound.
MAX_TIMEOUT = 300.0
MAX_WAIT = 3600.0
MAX_LATENCY_MS = 60_000.0
#: Share of --timeout one call may use (see Context.timeout). Not closer to 1: dnspython overshoots
#: its lifetime by up to one retry backoff (measured: 0.5 s for a 0.4 s lifetime).
CALL_SHARE = 0.6


def _epilog() -> str:
    lines = ["checks of --phase post:"]
    lines += [f"  {c.id:<20} {c.summary}" for c in POST_CHECKS]
    lines += ["checks of --phase preflight:"]
    lines += [f"  {c.id:<20} {c.summary}" for c in PREFLIGHT_CHECKS]
    lines += [
        "",
        f"The migrations check connects with ${DATABASE_URL_ENV} when set, else with the",
        "DATABASE_URL parameter. It skips only when the database is not reachable from this",
        "network; a wrong password, a missing database or a malformed URL fail it. It gives the",
        "password only to a server that proves its identity: a certificate checked against",
        f"{DATABASE_CA_FLAG} (or the URL's sslmode=verify-full and sslrootcert), else SCRAM with",
        "channel binding over TLS (channel_binding=require is added to the URL). nats-drift",
        "skips when the NATS name does not resolve here and --nameserver is not given.",
        "The verdict lists every check that was not verified (skipped) and why.",
        f"Every check gets --timeout seconds in all (at most {MAX_TIMEOUT:g}); --wait at most {MAX_WAIT:g}.",
        "exit codes: 0 every check passed or skipped, 1 a check failed, 2 bad usage or input",
    ]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(
        PROG,
        "Verify a Dixie deploy: DNS, health, Finn, ECS rollout, targets, parameters, image scan, "
        "alarms, migrations, NATS drift and Finn wiring, concurrently, with one verdict.",
        _epilog(),
    )
    parser.add_argument(
        "--phase",
        choices=tuple(REGISTRY),
        default="post",
        help="which checks (default: %(default)s)",
    )
    parser.add_argument(
        "--only", metavar="ID[,ID...]", help="run only these checks (default: all of the phase)"
    )
    parser.add_argument(
        "--dixie-url", metavar="URL", help="Dixie's base URL (default: https://<stack hostname>)"
    )
    parser.add_argument(
        "--finn-url", metavar="URL", help="Finn's base URL (default: the stack's dixie:finn.url)"
    )
    parser.add_argument(
        "--expected-task-definition",
        metavar="ARN",
        help="task definition the PRIMARY deployment must run "
        "(default: the newest ACTIVE revision of the family)",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="Finn latency limit in ms (default: %(default)g)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="seconds each check may take in all, every HTTP, DNS, database or AWS call in it "
        "included (default: %(default)g)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="re-run failing checks with backoff for up to this long (default: %(default)g, no retries)",
    )
    parser.add_argument(
        "--severity-threshold",
        choices=SEVERITIES,
        default="CRITICAL",
        help="image-scan fails on findings at or above this severity (default: %(default)s)",
    )
    parser.add_argument(
        DATABASE_CA_FLAG,
        metavar="FILE",
        type=Path,
        help="CA bundle to check the database's certificate against (sslmode=verify-full); "
        "for RDS, the region's bundle from truststore.pki.rds.amazonaws.com",
    )
    parser.add_argument(
        INSECURE_DATABASE_FLAG,
        action="store_true",
        help="let the migrations check give the password to a database on this machine "
        "(127.0.0.1, ::1, localhost) that has not proved its identity",
    )
    parser.add_argument(
        "--nameserver",
        metavar="IP[:PORT]",
        help="resolve through this DNS server (default: the system resolver)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    secrets = SecretBag()

    def body() -> int:
        args = build_parser().parse_args(argv)
        timeout = positive(args.timeout, "--timeout", maximum=MAX_TIMEOUT)
        wait = positive(args.wait, "--wait", maximum=MAX_WAIT, allow_zero=True)
        latency = positive(args.latency_ms, "--latency-ms", maximum=MAX_LATENCY_MS)
        call_budget = round(timeout * CALL_SHARE, 3)
        registry = REGISTRY[args.phase]
        try:
            checks = parse_only(args.only, registry)
        except ValueError as exc:
            raise UsageError(f"--only: {exc} (phase {args.phase})") from None
        try:
            dixie_url = _health.check_http_url(args.dixie_url, "--dixie-url") if args.dixie_url else None
            finn_url = _health.check_http_url(args.finn_url, "--finn-url") if args.finn_url else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for given in (dixie_url, finn_url):
            parts = urlsplit(given) if given else None
            if parts is not None:
                register_secret(unquote(parts.password) if parts.password else None)
                register_secret(parts.password)
                if parts.password is None and parts.username:
                    # https://<token>@host: a user name alone is the credential.
                    register_secret(parts.username)
        expected = args.expected_task_definition
        if expected is not None and not _TASK_DEFINITION.fullmatch(expected):
            raise UsageError(
                f"--expected-task-definition {expected!r} is not a task definition ARN or family:revision"
            )
        database_ca = args.database_ca
        if database_ca is not None and not database_ca.is_file():
            raise UsageError(
                f"{DATABASE_CA_FLAG} {str(database_ca)!r} is not a readable file (a PEM CA bundle)"
            )
        settings = stack_settings(args.stack)
        aws: Once[AwsClients] | None = None
        if any(c.needs_aws for c in checks):
            session = session_for(region_for(args, settings))
            # Building clients loads service models: a few hundred ms of CPU, seconds on a busy
            # machine. The engine builds them (before_aws) after the DNS and HTTP checks have
            # started, and before the AWS checks' limits start running.
            aws = Once(partial(clients, session, timeout=call_budget))
        database_url = os.environ.get(DATABASE_URL_ENV) or None
        secrets.add(database_url)
        try:
            resolver = _nats.make_resolver(args.nameserver, call_budget)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        # TLS verification stays on: a certificate problem on the public hostname is a failure.
        with httpx.Client(
            verify=True, follow_redirects=False, headers={"user-agent": "dixie-infra verify_deploy"}
        ) as http:

            def new_context() -> Context:
                return Context(
                    settings=settings,
                    dixie_url=dixie_url or settings.base_url,
                    finn_url=finn_url or settings.finn.url.rstrip("/"),
                    http=http,
                    resolver=resolver,
                    aws=aws,
                    expected_task_definition=expected,
                    latency_ms=latency,
                    timeout=call_budget,
                    severity_threshold=args.severity_threshold,
                    secrets=secrets,
                    database_url=database_url,
                    database_ca=database_ca.resolve() if database_ca is not None else None,
                    insecure_local_database=args.insecure_local_database,
                    own_nameserver=args.nameserver is not None,
                )

            context = new_context()
            progress(
                f"verify_deploy: {len(checks)} {args.phase} checks of stack {settings.stack} "
                f"({_health.masked_url(context.dixie_url)})"
            )
            results = run_until_passing(
                checks,
                new_context,
                wait_seconds=wait,
                limit=timeout,
                secrets=secrets.values,
                before_aws=(lambda: aws.get().warm()) if aws is not None else None,
            )
        ok = report(
            results,
            title=f"verify_deploy --phase {args.phase} (stack {settings.stack})",
            as_json=args.json,
            extra={
                "tool": "verify_deploy",
                "stack": settings.stack,
                "phase": args.phase,
                "dixieUrl": _health.masked_url(context.dixie_url),
                "finnUrl": _health.masked_url(context.finn_url),
            },
        )
        return EXIT_OK if ok else EXIT_FAILED

    return run_tool(PROG, body, secrets.values)
