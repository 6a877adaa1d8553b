"""Hostile stack files, generated: mutations of the committed armitage stack that must each be
refused (:func:`hostile_files`, a hypothesis strategy)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import strategies as st

from dixie_infra.settings import project_root
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
