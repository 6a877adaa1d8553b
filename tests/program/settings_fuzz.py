"""Hostile stack files, generated: mutations of the committed armitage stack that must each be
refused, and the check of the contract on each through the real entry points.

The contract (README): a bad stack file makes ``python -m dixie_infra.offline`` (what ``make plan``
runs) exit 2 naming the key, with no traceback and no secret or credential in its output; and the
same configuration handed over by the CLI registers nothing under the mock runtime.

Used by ``test_settings_fuzz.py`` (a fixed seed, a few dozen files) and by ``make fuzz``
(``python -m tests.program.settings_fuzz --examples N``: many more, with figures).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dixie_infra.offline import OfflineMocks, evaluate
from dixie_infra.offline import plan as offline_plan
from dixie_infra.settings import SettingsError, project_root
from dixie_infra.settings.stack_yaml import MAX_FILE_BYTES

STACK = "armitage"
FILE_NAME = f"Pulumi.{STACK}.yaml"
BASE: dict[str, Any] = yaml.safe_load((project_root() / FILE_NAME).read_text())["config"]
#: Optional keys absent from the committed file, with a valid value to start a mutation from.
OPTIONAL: dict[str, Any] = {
    "dixie:alarmEmail": "oncall@example.com",
    "dixie:corsOrigins": ["https://dixie-armitage.arrakis.community"],
    "dixie:redisAuth": True,
    "dixie:task": {"cpu": 256, "memory": 512},
    "dixie:database.securityGroupId": "sg-0df20023c098de62b",
}
DROP = object()

TEXT = {
    "dixie:environment",
    "dixie:cluster",
    "dixie:vpcId",
    "dixie:route53ZoneId",
    "dixie:imageTag",
    "dixie:alarmEmail",
    "aws:region",
    "dixie:alb.arn",
    "dixie:alb.listenerArn",
    "dixie:alb.securityGroupId",
    "dixie:alb.dnsName",
    "dixie:alb.zoneId",
    "dixie:finn.url",
    "dixie:finn.wsUrl",
    "dixie:finn.serviceName",
    "dixie:finn.ssmPrefix",
    "dixie:nats.url",
    "dixie:nats.securityGroupId",
    "dixie:nats.serviceName",
    "dixie:database.instanceIdentifier",
    "dixie:database.name",
    "dixie:database.user",
    "dixie:database.securityGroupId",
}
URLS = {"dixie:finn.url": "https", "dixie:finn.wsUrl": "wss", "dixie:nats.url": "tls"}
#: Whole numbers that each key must refuse (0 is a valid desiredCount: parked).
BAD_INTS = {
    "dixie:desiredCount": [-1, 2, 3, 100],
    "dixie:listenerPriority": [0, -5, 50001, 10**6],
    "dixie:database.port": [0, -1, 65536, 10**6],
    "dixie:task.cpu": [0, 1, 300, -256],
    "dixie:task.memory": [0, 1, 513, -512, 100000],
}
BOOLS = {"dixie:redisAuth"}
LISTS = {
    "dixie:privateSubnetIds",
    "aws:allowedAccountIds",
    "dixie:corsOrigins",
    "pulumi:disable-default-providers",
}
OBJECTS = {
    "dixie:alb": ["arn", "listenerArn", "securityGroupId", "dnsName", "zoneId"],
    "dixie:finn": ["url", "wsUrl"],
    "dixie:nats": ["url", "securityGroupId", "serviceName"],
    "dixie:database": ["instanceIdentifier"],
    "dixie:task": ["cpu", "memory"],
}
REQUIRED = [
    "dixie:environment",
    "dixie:vpcId",
    "dixie:privateSubnetIds",
    "dixie:alb",
    "dixie:route53ZoneId",
    "dixie:imageTag",
    "dixie:finn",
    "dixie:nats",
    "dixie:database",
    "aws:region",
    "aws:allowedAccountIds",
]
SECRETS = ["dixie:databasePassword", "dixie:adminKey", "dixie:jwtPrivateKey"]
UNICODE_DIGITS = ["\u0661", "\uff11", "\u0967", "\u09e7", "\U0001d7cf"]  # Arabic, full-width, ...
YAML_TRAPS = [
    "!!binary aGVsbG8=",
    "!!timestamp 2024-01-01",
    "2024-01-01",
    "2024-01-01T00:00:00Z",
    "!!python/object/apply:os.system ['id']",
    "!!set {a: null}",
    "!custom value",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "1:30",
    ".inf",
    ".nan",
    "yes",
    "off",
    "~",
    "!!omap [a: 1]",
]


@dataclass
class Case:
    """One hostile stack file: its text, the keys its problems must name (any one of them when
    mutations were combined), the flat config the CLI would hand over (None when the mutation
    only exists in YAML), and the secrets that must not be printed."""

    text: str
    keys: list[str]
    notes: list[str]
    cli: dict[str, Any] | None
    secrets: list[str] = field(default_factory=list)


# --- building files ------------------------------------------------------------------------------


def _render(entries: dict[str, str], extra_lines: list[str]) -> str:
    lines = ["config:"] + [f"  {key}: {fragment}" for key, fragment in entries.items()] + extra_lines
    return "\n".join(lines) + "\n"


def _frag(value: Any) -> str:
    # JSON is YAML's flow style; every string is double-quoted, so escapes (\n, \u0661) survive.
    return json.dumps(value, ensure_ascii=True)


def _object_frag(obj: dict[str, Any], raw: dict[str, str]) -> str:
    parts = [f"{json.dumps(k)}: {raw[k] if k in raw else _frag(v)}" for k, v in obj.items()]
    parts += [f"{json.dumps(k)}: {v}" for k, v in raw.items() if k not in obj]
    return "{" + ", ".join(parts) + "}"


class Builder:
    """A stack file being mutated, as YAML fragments and as the CLI's flat config."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = json.loads(json.dumps(BASE))
        self.raw: dict[str, str] = {}  # top-level key -> raw YAML fragment
        self.raw_members: dict[str, dict[str, str]] = {}  # object key -> member -> raw fragment
        self.extra_lines: list[str] = []
        self.cli_ok = True
        self.keys: list[str] = []
        self.notes: list[str] = []
        self.secrets: list[str] = []

    @staticmethod
    def valid(path: str) -> Any:
        """The committed (or a valid optional) value of ``path``, to start a mutation from."""
        top, _, member = path.partition(".")
        if member:
            obj = BASE.get(top) or OPTIONAL.get(top) or {}
            return obj.get(member, OPTIONAL.get(path))
        return BASE.get(top, OPTIONAL.get(top))

    def set(self, path: str, value: Any, *, cli: bool = True) -> None:
        top, _, member = path.partition(".")
        if member:
            obj = self.values.get(top)
            if not isinstance(obj, dict):
                obj = dict(OPTIONAL.get(top) or {})
            obj = dict(obj)
            if value is DROP:
                obj.pop(member, None)
            else:
                obj[member] = value
            self.values[top] = obj
        elif value is DROP:
            self.values.pop(top, None)
        else:
            self.values[top] = value
        self.cli_ok = self.cli_ok and cli

    def set_raw(self, path: str, fragment: str) -> None:
        top, _, member = path.partition(".")
        if member:
            if not isinstance(self.values.get(top), dict):
                self.values[top] = dict(OPTIONAL.get(top) or {})
            self.raw_members.setdefault(top, {})[member] = fragment
        else:
            self.values.setdefault(top, None)
            self.raw[top] = fragment
        self.cli_ok = False

    def case(self) -> Case:
        entries: dict[str, str] = {}
        for key, value in self.values.items():
            if key in self.raw:
                entries[key] = self.raw[key]
            elif key in self.raw_members and isinstance(value, dict):
                entries[key] = _object_frag(value, self.raw_members[key])
            else:
                entries[key] = _frag(value)
        cli = dict(self.values) if self.cli_ok and not self.raw and not self.raw_members else None
        text = _render(entries, self.extra_lines)
        # Mutations that together pass the size limit are refused for that, naming the file.
        keys = [*self.keys, FILE_NAME] if len(text.encode()) > MAX_FILE_BYTES else self.keys
        return Case(text, list(dict.fromkeys(keys)), self.notes, cli, self.secrets)


# --- mutations -------------------------------------------------------------------------------------

secret_values = st.text(
    alphabet="abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=16, max_size=24
).map(lambda s: f"Sx{s}")


@st.composite
def hostile_text(draw: st.DrawFn, path: str, valid: str) -> tuple[Any, bool, str | None]:
    """(value, whether the CLI would refuse it too, secret it carries) for a text key."""
    options: list[Callable[[], tuple[Any, bool, str | None]]] = [
        lambda: ("", True, None),
        lambda: (" ", True, None),
        lambda: (valid + "\n", True, None),
        lambda: (valid + " ", True, None),
        lambda: ("\t" + valid, True, None),
        lambda: (valid[:3] + "\n" + valid[3:], True, None),
        lambda: ("\x1b[31m" + valid, True, None),
        lambda: (valid + "\x00", True, None),
        lambda: ("x" * draw(st.integers(513, 20000)), True, None),
        lambda: ("$(id)", True, None),
        lambda: (valid + ";id", True, None),
        lambda: ("`id`" + valid, True, None),
        lambda: (None, False, None),
        lambda: (draw(st.sampled_from([True, False, 1234567, 0, 1.5, -3])), False, None),
        lambda: ([valid], True, None),
        lambda: ({"value": valid}, True, None),
    ]
    if any(c.isdigit() for c in valid):
        index = next(i for i, c in enumerate(valid) if c.isdigit())
        digit = draw(st.sampled_from(UNICODE_DIGITS))
        options.append(lambda: (valid[:index] + digit + valid[index + 1 :], True, None))
    if "a" in valid:
        options.append(lambda: (valid.replace("a", "\u0430", 1), True, None))  # Cyrillic a
    if path in URLS:
        host = valid.split("://", 1)[1]
        secret = draw(secret_values)
        options += [
            lambda: (f"{URLS[path]}://operator:{secret}@{host}", True, secret),
            lambda: (f"{URLS[path]}://{secret}@{host}", True, secret),
            lambda: (f"{URLS[path]}://{host}/path", True, None),
            lambda: (f"http://{host}", True, None),
            lambda: (valid.replace("://", "://\t"), True, None),
        ]
    return draw(st.sampled_from(options))()


@st.composite
def mutation(draw: st.DrawFn, b: Builder) -> None:
    kind = draw(
        st.sampled_from(
            [
                "text",
                "int",
                "bool",
                "list",
                "object",
                "drop",
                "unknown-key",
                "unknown-namespace",
                "duplicate",
                "yaml-trap",
                "alias-bomb",
                "nesting",
                "huge-int",
                "secure-non-secret",
                "plain-secret",
                "huge-file",
            ]
        )
    )
    b.notes.append(kind)
    if kind == "text":
        path = draw(st.sampled_from(sorted(TEXT)))
        value, cli, secret = draw(hostile_text(path, str(b.valid(path))))
        b.set(path, value, cli=cli)
        b.keys.append(path)
        if secret:
            b.secrets.append(secret)
    elif kind == "int":
        path = draw(st.sampled_from(sorted(BAD_INTS)))
        value = draw(
            st.one_of(
                st.sampled_from(BAD_INTS[path]), st.sampled_from(["one", "", "1 ", True, 1.0, 2.5, [1], {}])
            )
        )
        b.set(path, value, cli=True)
        b.keys.append(path)
    elif kind == "bool":
        path = draw(st.sampled_from(sorted(BOOLS)))
        b.set(path, draw(st.sampled_from([1, 0, "maybe", "yes", "", [], {}, "True "])), cli=True)
        b.keys.append(path)
    elif kind == "list":
        path = draw(st.sampled_from(sorted(LISTS)))
        current = list(b.valid(path))
        choice = draw(st.sampled_from(["empty", "scalar", "item", "object", "subnet-twice"]))
        if choice == "empty":
            b.set(path, [])
        elif choice == "scalar":
            b.set(path, draw(st.sampled_from(["x", 1, True])), cli=True)
        elif choice == "object":
            b.set(path, {"a": current[0]})
        elif choice == "subnet-twice":
            path = "dixie:privateSubnetIds"
            b.set(path, [BASE[path][0], BASE[path][0]])
        else:
            index = draw(st.integers(0, len(current) - 1))
            value, cli, _ = draw(hostile_text(path, str(current[index])))
            current[index] = value
            b.set(path, current, cli=cli and not isinstance(value, list | dict))
        b.keys.append(path)
    elif kind == "object":
        path = draw(st.sampled_from(sorted(OBJECTS)))
        choice = draw(st.sampled_from(["empty", "unknown-member", "drop-member", "scalar"]))
        if choice == "empty":
            b.set(path, {})
            b.keys.append(path)
        elif choice == "unknown-member":
            member = draw(st.sampled_from(["Arn", "listenerarn", "extra", "securityGroupID", "secure"]))
            b.set(f"{path}.{member}", "x")
            b.keys.append(f"{path}.{member}")
        elif choice == "drop-member":
            member = draw(st.sampled_from(OBJECTS[path]))
            b.set(f"{path}.{member}", DROP)
            b.keys.append(path if path == "dixie:database" else f"{path}.{member}")
        else:
            b.set(path, draw(st.sampled_from(["x", 1, ["a"], True])), cli=True)
            b.keys.append(path)
    elif kind == "drop":
        path = draw(st.sampled_from(REQUIRED))
        b.set(path, DROP)
        b.keys.append(path)
    elif kind == "unknown-key":
        ns = draw(st.sampled_from(["dixie", "aws", "pulumi"]))
        name = draw(
            st.sampled_from(
                ["imagetag", "ImageTag", "profile", "skipCredentialsValidation", "vpcID", "foo", "tags"]
            )
        )
        secret = draw(secret_values)
        b.set(f"{ns}:{name}", secret)
        b.keys.append(f"{ns}:{name}")
        b.secrets.append(secret)
    elif kind == "unknown-namespace":
        key = draw(
            st.sampled_from(["dixie:databasePassword", "dixie:adminKey", "aws:region", "dixie:imageTag"])
        )
        ns = draw(st.sampled_from(["dixi", "dixe", "Dixie", "dxie", "aws2", "pulumii", "awss"]))
        secret = draw(secret_values)
        full = f"{ns}:{key.partition(':')[2]}"
        b.set(full, secret)
        b.keys.append(full)
        b.secrets.append(secret)
    elif kind == "duplicate":
        path = draw(st.sampled_from(sorted(set(BASE) | {"dixie:alb.arn", "dixie:nats.url"})))
        top, _, member = path.partition(".")
        if member:
            b.set_raw(path, f"{_frag(BASE[top][member])}, {json.dumps(member)}: {_frag(BASE[top][member])}")
        else:
            b.extra_lines.append(f"  {top}: {_frag(BASE[top])}")
            b.cli_ok = False
        b.keys.append(path)
    elif kind == "yaml-trap":
        path = draw(st.sampled_from(sorted(TEXT | set(BAD_INTS) | BOOLS)))
        trap = draw(st.sampled_from(YAML_TRAPS))
        b.set_raw(path, trap)
        b.keys.append(path)
    elif kind == "alias-bomb":
        path = draw(st.sampled_from(["dixie:cluster", "dixie:corsOrigins", "dixie:alb", "dixie:zz"]))
        width = draw(st.integers(5, 9))
        levels = draw(st.integers(2, 9))
        # Each level holds `width` aliases of the one before: width ** levels strings once expanded.
        items = ["&l0 [" + ", ".join(["lol"] * width) + "]"]
        items += [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
        b.set_raw(path, "[" + ", ".join(items) + "]")
        b.keys.append(path)
    elif kind == "nesting":
        path = draw(st.sampled_from(sorted(TEXT | set(OBJECTS) | LISTS)))
        style = draw(st.sampled_from(["[", "{"]))
        depth = draw(st.integers(9, 20000 if style == "[" else 9000))
        b.set_raw(path, "[" * depth + "]" * depth if style == "[" else "{a: " * depth + "1" + "}" * depth)
        b.keys.append(path)
    elif kind == "huge-int":
        path = draw(st.sampled_from(sorted(set(BAD_INTS) | TEXT)))
        digits = draw(st.integers(19, 6000))
        b.set_raw(path, "9" * digits)
        b.keys.append(path)
    elif kind == "secure-non-secret":
        path = draw(st.sampled_from(sorted((set(BASE) - {"dixie:environment"}) | {"dixie:cluster"})))
        b.set_raw(path, '{"secure": "v1:c2VjcmV0LWNpcGhlcnRleHQ="}')
        b.keys.append(path)
    elif kind == "plain-secret":
        path = draw(st.sampled_from(SECRETS))
        secret = draw(st.one_of(secret_values, secret_values.map(lambda s: s + "\n"), st.just("a" * 64)))
        b.set(path, secret)
        b.keys.append(path)
        b.secrets.append(secret.strip())
    elif kind == "huge-file":
        b.extra_lines.append("# " + "padding " * draw(st.integers(8300, 12000)))
        b.cli_ok = False
        b.keys.append(FILE_NAME)


@st.composite
def hostile_files(draw: st.DrawFn) -> Case:
    b = Builder()
    for _ in range(draw(st.integers(1, 3))):
        draw(mutation(b))
    return b.case()


# --- the contract ------------------------------------------------------------------------------


class Hang(BaseException):
    """Past the per-example limit. Not an Exception: the entry point's own handler must not
    turn it into an ordinary failure."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(signum: int, frame: Any) -> None:
        raise Hang(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Verdict:
    outcome: str  # "refused" (as it must be) or crash / hang / accepted / unnamed / leaked
    detail: str = ""


def plan(case: Case, directory: Path) -> tuple[int, str]:
    """``python -m dixie_infra.offline`` on the case, in this process: (exit code, stderr+stdout)."""
    (directory / FILE_NAME).write_text(case.text)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = offline_plan.main(["--stack", STACK, "--project-dir", str(directory)])
    return code, err.getvalue() + out.getvalue()


def plan_subprocess(case: Case, directory: Path) -> tuple[int, str]:
    """The same through a real interpreter, as ``make plan`` runs it."""
    (directory / FILE_NAME).write_text(case.text)
    done = subprocess.run(
        [sys.executable, "-m", "dixie_infra.offline", "--stack", STACK, "--project-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=project_root(),
        timeout=120,
        check=False,
    )
    return done.returncode, done.stderr + done.stdout


def judge_output(case: Case, code: int, output: str) -> Verdict:
    if "Traceback" in output:
        return Verdict("crash", "traceback in the output")
    leaked = [s for s in case.secrets if s and s in output]
    if leaked:
        return Verdict("leaked", "a secret or credential was printed")
    if code == 0 or (code == 1 and "the program failed" not in output):
        return Verdict("accepted", f"exit {code}")
    if code != 2:
        return Verdict("crash", output.strip().splitlines()[-1][:300] if output.strip() else f"exit {code}")
    if not any(key in output for key in case.keys):
        return Verdict("unnamed", f"none of {case.keys} named in: {output[:300]}")
    return Verdict("refused")


def check_registered_nothing(case: Case) -> Verdict:
    """The config as the CLI would hand it over: refused before any resource is registered."""
    if case.cli is None:
        return Verdict("refused")
    mocks = OfflineMocks()
    try:
        evaluate(STACK, case.cli, mocks=mocks)
    except SettingsError as exc:
        text = str(exc)
        if any(s and s in text for s in case.secrets):
            return Verdict("leaked", "a secret or credential in the SettingsError text")
        registered = [t for t, _ in mocks.registered if not t.startswith("pulumi:")]
        if registered:
            return Verdict("accepted", f"registered {len(registered)} resources before refusing")
        return Verdict("refused")
    except Exception as exc:  # noqa: BLE001 - a crash is what is being counted
        return Verdict("crash", f"evaluate raised {type(exc).__name__}")
    return Verdict("accepted", "the CLI's config evaluated without a configuration problem")


def check(case: Case, directory: Path, *, limit: float = 20.0, real_process: bool = False) -> list[Verdict]:
    verdicts: list[Verdict] = []
    try:
        with time_limit(limit):
            code, output = (plan_subprocess if real_process else plan)(case, directory)
        verdicts.append(judge_output(case, code, output))
    except Hang as exc:
        verdicts.append(Verdict("hang", str(exc)))
    except BaseException as exc:  # noqa: BLE001 - a crash is what is being counted
        verdicts.append(Verdict("crash", f"{type(exc).__name__} escaped the entry point"))
    try:
        with time_limit(limit):
            verdicts.append(check_registered_nothing(case))
    except Hang as exc:
        verdicts.append(Verdict("hang", str(exc)))
    return verdicts


# --- make fuzz -----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.program.settings_fuzz")
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per example before it is a hang")
    parser.add_argument(
        "--subprocess-every", type=int, default=50, help="also run every Nth file through a real interpreter"
    )
    parser.add_argument(
        "--memory-limit-mib",
        type=int,
        default=3072,
        help="address-space cap: a regression that expands an alias bomb fails here, not the machine",
    )
    args = parser.parse_args(argv)
    limit = args.memory_limit_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    counts: dict[str, int] = {}
    kinds: dict[str, int] = {}
    failures: list[tuple[str, Case, Verdict]] = []
    seen = 0
    slowest = 0.0
    started = time.perf_counter()

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        @settings(
            max_examples=args.examples,
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(hostile_files())
        def run(case: Case) -> None:
            nonlocal seen, slowest
            seen += 1
            real = args.subprocess_every > 0 and seen % args.subprocess_every == 0
            t0 = time.perf_counter()
            for verdict in check(case, directory, limit=args.limit, real_process=real):
                counts[verdict.outcome] = counts.get(verdict.outcome, 0) + 1
                if verdict.outcome != "refused":
                    failures.append((verdict.outcome, case, verdict))
            counts["files"] = counts.get("files", 0) + 1
            for note in case.notes:
                kinds[note] = kinds.get(note, 0) + 1
            counts["real interpreter"] = counts.get("real interpreter", 0) + int(real)
            counts["also evaluated as CLI config"] = counts.get("also evaluated as CLI config", 0) + int(
                case.cli is not None
            )
            slowest = max(slowest, time.perf_counter() - t0)

        from hypothesis import seed as fixed_seed

        fixed_seed(args.seed)(run)()

    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "files": counts.get("files", 0),
        "real interpreter runs": counts.get("real interpreter", 0),
        "also evaluated as CLI config": counts.get("also evaluated as CLI config", 0),
        "crashes": counts.get("crash", 0),
        "hangs": counts.get("hang", 0),
        "wrongly accepted": counts.get("accepted", 0),
        "key not named": counts.get("unnamed", 0),
        "secret leaked": counts.get("leaked", 0),
        "seconds": round(seconds, 1),
        "slowest file, s": round(slowest, 2),
        "peak memory, MiB": round(peak_mib),
    }
    for name, value in figures.items():
        print(f"{name:>30}: {value}")
    print("mutations applied: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    for outcome, case, verdict in failures[:10]:
        print(
            f"\n{outcome}: {verdict.detail}\n  mutations: {case.notes}\n  keys: {case.keys}\n{case.text[:1500]}"
        )
    bad = sum(figures[k] for k in ("crashes", "hangs", "wrongly accepted", "key not named", "secret leaked"))
    return 1 if bad or figures["files"] < args.examples else 0


if __name__ == "__main__":
    sys.exit(main())
