"""Value formats of the stack configuration: the field types the models in :mod:`.schema` declare,
and the validators behind them (real AWS limits and formats).

Formats are full-string matches over ASCII classes (``re.ASCII`` + ``fullmatch``): Python's ``$``
matches before a trailing newline and ``\\d`` matches any Unicode digit, so ``re.match(r"^\\d{12}$")``
accepts ``"891376933289\\n"`` and a full-width account id. Every failure is a :func:`fail` error
whose text names what is allowed; secrets are never echoed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from dixie_infra.settings.problems import echo

#: Longest text any key accepts (ARNs are the longest values, under 200 characters).
TEXT_MAX = 512
#: A CLI value holding JSON (an object or list) longer than this is not a stack setting.
JSON_MAX = 16 * 1024


def fail(message: str, *, key: str | None = None) -> PydanticCustomError:
    # The text goes in the context, not the template: a value echoed in it may contain braces.
    ctx = {"message": message} if key is None else {"message": message, "key": key}
    return PydanticCustomError("dixie", "{message}", ctx)


def _plain(value: str, allowed: str, *, secret: bool = False) -> None:
    """Refuse what no key accepts: empty text, surrounding or embedded whitespace and control
    characters (a trailing newline), non-ASCII characters (Unicode digits), absurd length."""
    shown = "the value" if secret else echo(value)
    if not value.strip():
        raise fail(f"is empty; allowed: {allowed}")
    if len(value) > TEXT_MAX:
        raise fail(f"is {len(value)} characters long; allowed: {allowed} (at most {TEXT_MAX} characters)")
    if not value.isascii():
        raise fail(f"{shown} contains non-ASCII characters; allowed: {allowed}")
    if not value.isprintable() or value != value.strip() or any(c.isspace() for c in value):
        raise fail(f"{shown} contains whitespace or control characters; allowed: {allowed}")


def _text(regex: str, allowed: str, *, secret: bool = False) -> AfterValidator:
    """Text matching ``regex`` in full; secrets are never echoed."""
    pattern = re.compile(regex, re.ASCII)

    def check(value: str) -> str:
        _plain(value, allowed, secret=secret)
        if not pattern.fullmatch(value):
            raise fail(f"is not valid; allowed: {allowed}" if secret else f"{echo(value)} is not {allowed}")
        return value

    return AfterValidator(check)


def one_of(values: Collection[int], allowed: str, *, what: str = "allowed") -> AfterValidator:
    def check(value: int) -> int:
        if value not in values:
            raise fail(f"{echo(value)} is not {what}; allowed: {allowed}")
        return value

    return AfterValidator(check)


_DNS = r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
_DNS_NAME = re.compile(_DNS, re.ASCII)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _url(schemes: tuple[str, ...], *, port_required: bool = False) -> AfterValidator:
    """An origin: scheme://host[:port][/], nothing else, no credentials."""
    from urllib.parse import urlsplit

    allowed = " or ".join(f"{s}://host" for s in schemes) + (":port" if port_required else "")

    def check(value: str) -> str:
        if "@" in value:
            # Checked first and never echoed: what precedes @ is a user name or a token.
            raise fail(f"must not carry credentials (user:password@); allowed: {allowed}")
        _plain(value, allowed)
        try:
            parts = urlsplit(value)
            port = parts.port
        except ValueError:
            raise fail(f"{echo(value)} is not a valid URL; allowed: {allowed}") from None
        host = parts.hostname or ""
        if parts.scheme not in schemes:
            raise fail(f"scheme {echo(parts.scheme or '(none)')} is not allowed; allowed: {allowed}")
        if not host or not (_DNS_NAME.fullmatch(host) or _is_ip(host) or host == "localhost"):
            raise fail(f"{echo(value)} has no valid host; allowed: {allowed}")
        if port_required and port is None:
            raise fail(f"{echo(value)} has no port; allowed: {allowed}")
        if port == 0:
            raise fail(f"{echo(value)} has port 0; allowed: {allowed} with a port 1-65535")
        if parts.path not in ("", "/") or "?" in value or "#" in value:
            raise fail(f"{echo(value)} must be an origin without path, query or fragment; allowed: {allowed}")
        return value.rstrip("/")

    return AfterValidator(check)


# --- value formats (real AWS limits and formats) -----------------------------------------------

_HEX_ID = r"(?:[0-9a-f]{8}|[0-9a-f]{17})"
_ARN_HEAD = r"arn:aws[a-z-]{0,16}:elasticloadbalancing:[a-z0-9-]{1,32}:[0-9]{12}"

VpcId = Annotated[str, _text(rf"vpc-{_HEX_ID}", "a VPC id (vpc-<8 or 17 hex>)")]
SubnetId = Annotated[str, _text(rf"subnet-{_HEX_ID}", "a subnet id (subnet-<8 or 17 hex>)")]
SgId = Annotated[str, _text(rf"sg-{_HEX_ID}", "a security group id (sg-<8 or 17 hex>)")]
ZoneId = Annotated[str, _text(r"Z[A-Z0-9]{1,31}", "a Route53 hosted zone id (Z...)")]
Region = Annotated[
    str, _text(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]{1,16}-[0-9]", "an AWS region such as us-east-1")
]
AccountId = Annotated[str, _text(r"[0-9]{12}", "a 12-digit AWS account id (quoted)")]
EcsName = Annotated[str, _text(r"[A-Za-z0-9_-]{1,255}", "an ECS name (letters, digits, - and _, up to 255)")]
ClusterName = Annotated[
    str, _text(r"[A-Za-z0-9_-]{1,255}", "an ECS cluster name (letters, digits, - and _, up to 255)")
]
DnsName = Annotated[str, _text(_DNS, "a DNS name")]
AlbArn = Annotated[
    str,
    _text(
        rf"{_ARN_HEAD}:loadbalancer/app/[A-Za-z0-9-]{{1,32}}/[0-9a-f]{{16}}",
        "an application load balancer ARN",
    ),
]
ListenerArn = Annotated[
    str,
    _text(
        rf"{_ARN_HEAD}:listener/app/[A-Za-z0-9-]{{1,32}}/[0-9a-f]{{16}}/[0-9a-f]{{16}}",
        "an application load balancer listener ARN",
    ),
]
SsmPrefix = Annotated[
    str,
    _text(
        r"(?:/[A-Za-z0-9_.-]{1,128}){1,15}",
        "an SSM path such as /loa-finn/armitage (leading /, no trailing /)",
    ),
]
# AWS: letter first, letters, digits and hyphens, no two hyphens in a row, no hyphen at the end.
RdsId = Annotated[
    str,
    _text(
        r"[A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,62}(?<!-)",
        "an RDS instance identifier (letter first, letters, digits and -, up to 63)",
    ),
]
PgIdent = Annotated[
    str,
    _text(
        r"[a-z_][a-z0-9_]{0,62}",
        "a plain PostgreSQL identifier (lower-case letter or _, then letters, digits, _; up to 63)",
    ),
]
# Only characters that mean nothing to a shell or a mail header: an address ends up in an SNS
# subscription and in commands people paste.
Email = Annotated[
    str,
    _text(
        rf"[A-Za-z0-9_+-]{{1,64}}(?:\.[A-Za-z0-9_+-]{{1,64}}){{0,8}}@{_DNS}",
        "a plain email address (letters, digits, . _ + - before @, then a domain)",
    ),
]
IMAGE_TAG_ALLOWED = "a git SHA (7-40 lower-case hex) or a semver tag such as v1.2.3"
_SEMVER = r"v?(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})\.(?:0|[1-9][0-9]{0,8})(?:-[0-9A-Za-z.-]{1,64})?"
Hex64 = Annotated[
    str, _text(r"[0-9a-f]{64}", "64 lower-case hex characters (openssl rand -hex 32)", secret=True)
]
Password = Annotated[
    str,
    _text(r"[\x21-\x7e]{16,128}", "16-128 printable ASCII characters without spaces", secret=True),
]


def _image_tag(value: str) -> str:
    if value == "latest":
        raise fail(f"'latest' is refused (mutable, not reproducible); allowed: {IMAGE_TAG_ALLOWED}")
    _plain(value, IMAGE_TAG_ALLOWED)
    if not (re.fullmatch(r"[0-9a-f]{7,40}", value, re.ASCII) or re.fullmatch(_SEMVER, value, re.ASCII)):
        raise fail(f"{echo(value)} is not allowed; allowed: {IMAGE_TAG_ALLOWED}")
    return value


ImageTag = Annotated[str, AfterValidator(_image_tag)]
DbHost = Annotated[str, _text(rf"{_DNS}|[0-9.]{{7,15}}|[0-9a-fA-F:]{{2,39}}", "a host name or IP address")]
HttpsOrigin = Annotated[str, _url(("https",))]
WssOrigin = Annotated[str, _url(("wss",))]
NatsUrl = Annotated[str, _url(("nats", "tls"), port_required=True)]
Port = Annotated[int, one_of(range(1, 65536), "1-65535")]
ProviderName = Annotated[str, _text(r"\*|[a-z][a-z0-9-]{0,63}", "* or a provider package name such as aws")]


def db_host(value: str) -> str:
    if not (_DNS_NAME.fullmatch(value) or _is_ip(value)):
        raise fail(f"{echo(value)} is not a host name or IP address")
    return value


def distinct(minimum: int, maximum: int, what: str) -> AfterValidator:
    def check(value: list[str]) -> list[str]:
        distinct = len(set(value))
        if distinct < minimum:
            got = (
                f"got {len(value)}" if distinct == len(value) else f"got {distinct} distinct of {len(value)}"
            )
            raise fail(f"needs at least {minimum} distinct {what}, {got}")
        if len(value) > maximum:
            raise fail(f"names {len(value)} {what}; allowed: at most {maximum}")
        return value

    return AfterValidator(check)
