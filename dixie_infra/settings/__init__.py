"""Validated, frozen settings of one Dixie stack.

This package is the only reader of Pulumi configuration. Its core, :func:`validate_config`
(:mod:`.validation`, over the models of :mod:`.schema` and the formats of :mod:`.formats`), is
pure: it takes the stack name and the flat ``ns:key`` values (text as the Pulumi CLI sends them, or
plain YAML values as ``Pulumi.<stack>.yaml`` holds them) and returns :class:`Settings` or every
problem, each naming its key and what is allowed. It never calls AWS.

Two thin readers feed it:

* :func:`from_pulumi_config` — inside a Pulumi program (CLI or mock runtime);
* :func:`read_stack_file` / :func:`load_stack_file` — for ``make plan`` and the post-deploy tools,
  reading ``Pulumi.<stack>.yaml`` with the safe reader of :mod:`.stack_yaml`. ``secure:`` values
  cannot be decrypted without the CLI, so the tools see secrets as absent.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dixie_infra.settings.problems import ConfigProblem, SettingsError
from dixie_infra.settings.schema import KNOWN_KEYS, NAMESPACES
from dixie_infra.settings.stack_yaml import MAX_FILE_BYTES, read_document
from dixie_infra.settings.types import (
    ENVIRONMENT_DEFAULTS,
    FARGATE_SIZES,
    PROJECT,
    SECRET_KEYS,
    UNREADABLE_SECRET,
    AlbSettings,
    AppSource,
    DatabaseSettings,
    EnvironmentDefaults,
    FinnSettings,
    NatsSettings,
    RedisSizing,
    SecretOverrides,
    Settings,
    TaskSize,
)
from dixie_infra.settings.validation import validate_config

__all__ = [
    "ENVIRONMENT_DEFAULTS",
    "FARGATE_SIZES",
    "KNOWN_KEYS",
    "NAMESPACES",
    "PROJECT",
    "SECRET_KEYS",
    "STACK_NAME",
    "UNREADABLE_SECRET",
    "AlbSettings",
    "AppSource",
    "ConfigProblem",
    "DatabaseSettings",
    "EnvironmentDefaults",
    "FinnSettings",
    "NatsSettings",
    "RedisSizing",
    "SecretOverrides",
    "Settings",
    "SettingsError",
    "TaskSize",
    "from_pulumi_config",
    "inspect_checkout",
    "load_stack_file",
    "parse_settings",
    "project_root",
    "read_stack_file",
    "split_config",
    "stack_file",
]

STACK_NAME = re.compile(r"\A[A-Za-z0-9_.-]{1,100}\Z", re.ASCII)


def parse_settings(
    stack: str,
    values: Mapping[str, Any],
    aws: Mapping[str, Any],
    *,
    secret_keys: frozenset[str] | set[str] = frozenset(),
    inspect_app_source: Callable[[Path], str] | None = None,
) -> Settings:
    """Validate one stack's raw config. ``values`` holds ``dixie:`` keys without the namespace,
    ``aws`` holds ``aws:`` keys without it, ``secret_keys`` names ``dixie:`` keys set as secrets.
    Raises :class:`SettingsError` with every problem.

    ``inspect_app_source`` returns the short HEAD SHA of a clean checkout or raises ValueError;
    tools that only need names pass ``None`` and the checkout is not looked at.
    """
    flat = {**{f"{PROJECT}:{k}": v for k, v in values.items()}, **{f"aws:{k}": v for k, v in aws.items()}}
    return _validated(
        stack, flat, {f"{PROJECT}:{k}" for k in secret_keys}, inspect_app_source=inspect_app_source
    )


def _validated(
    stack: str | None,
    config: Mapping[str, Any],
    secret_keys: set[str] | frozenset[str],
    *,
    inspect_app_source: Callable[[Path], str] | None = None,
    refused: Sequence[ConfigProblem] = (),
) -> Settings:
    settings, problems = validate_config(
        stack, config, secret_keys=secret_keys, inspect_app_source=inspect_app_source
    )
    if refused:
        # A value the reader refused is missing from `config` (the whole top-level key, when the
        # problem is inside it); do not also call it absent.
        tops = {_top(p.key) for p in refused}
        problems = [*refused, *(p for p in problems if _top(p.key) not in tops)]
    if problems or settings is None:
        raise SettingsError(problems)
    return settings


def _top(key: str) -> str:
    return key.split(".", 1)[0].split("[", 1)[0]


# --- app source -----------------------------------------------------------------------------------


def inspect_checkout(path: Path) -> str:
    """Short HEAD SHA of a clean loa-dixie checkout; ValueError saying what is wrong otherwise."""
    if not path.is_dir():
        raise ValueError(f"{str(path)!r} is not a directory; allowed: the path of a loa-dixie checkout")
    if not (path / "deploy" / "Dockerfile").is_file():
        raise ValueError(f"{str(path)!r} has no deploy/Dockerfile; allowed: the root of a loa-dixie checkout")

    def git(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed git argv, path from config
                ["git", "-C", str(path), *args],  # noqa: S607 - git from PATH, like the operator's shell
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ValueError(f"{str(path)!r} is not a readable git checkout ({type(exc).__name__})") from None
        return done.stdout.strip()

    if git("status", "--porcelain"):
        raise ValueError(
            f"{str(path)!r} has uncommitted or untracked files (the build context is the whole checkout); commit, stash or ignore them so the image matches its SHA"
        )
    return git("rev-parse", "--short=7", "HEAD")


# --- readers ------------------------------------------------------------------------------------


def split_config(config: Mapping[str, Any], project: str = PROJECT) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split flat ``ns:key`` config into (project values, aws values); a bare key is the project's.
    Other namespaces are left out: validation (which sees the flat config) refuses unknown ones."""
    ours: dict[str, Any] = {}
    aws: dict[str, Any] = {}
    for full_key, value in config.items():
        ns, sep, key = full_key.partition(":")
        if not sep:
            ours[full_key] = value
        elif ns == project:
            ours[key] = value
        elif ns == "aws":
            aws[key] = value
    return ours, aws


def from_pulumi_config() -> Settings:
    """Settings of the running Pulumi program (CLI or mock runtime)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # pulumi.Config reads one key at a time and cannot list keys; an unknown (mistyped) key must
    # be refused rather than silently ignored, so the whole map is read from the runtime.
    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret = {k for k in raw if runtime_config.is_config_secret(k)}
    secret |= set(runtime_config.get_config_secret_keys_env())
    return _validated(pulumi.get_stack(), raw, secret, inspect_app_source=inspect_checkout)


def _read_bounded(path: Path) -> bytes:
    with path.open("rb") as handle:
        # One byte past the limit is enough to know the file is too large.
        return handle.read(MAX_FILE_BYTES + 1)


def read_stack_file(path: Path) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """(project values, aws values, secret project keys) of a ``Pulumi.<stack>.yaml``, validated.

    The whole file is validated here, with YAML's own types (``cluster: true`` is a boolean, not
    the text ``"true"``, which the CLI cannot tell apart), so that ``make plan`` and the tools
    refuse a bad file before anything is evaluated. ``secure:`` values stay unreadable (they
    need the CLI to decrypt): they are returned as :data:`UNREADABLE_SECRET`.
    """
    try:
        data = _read_bounded(path)
    except OSError as exc:
        raise SettingsError([ConfigProblem(str(path), f"cannot be read ({exc.strerror})")]) from None
    document = read_document(data, path.name)
    name = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    stack = name if path.name.startswith("Pulumi.") and STACK_NAME.fullmatch(name) else None
    if not document.config and document.problems:
        raise SettingsError(document.problems)
    _validated(stack, document.config, document.secret_keys, refused=document.problems)
    values, aws = split_config(document.config)
    secret = frozenset(k.partition(":")[2] for k in document.secret_keys if k.startswith(f"{PROJECT}:"))
    return values, aws, secret


def stack_file(stack: str, project_dir: Path | None = None) -> Path:
    """``Pulumi.<stack>.yaml``; a name that is not a stack, or a stack with no file, is refused
    naming the stacks that exist."""
    if not STACK_NAME.fullmatch(stack):
        raise SettingsError(
            [ConfigProblem("--stack", f"{stack[:100]!r} is not a stack name (letters, digits, - _ .)")]
        )
    path = (project_dir or project_root()) / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        available = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in path.parent.glob("Pulumi.*.yaml"))
        raise SettingsError(
            [
                ConfigProblem(
                    "--stack",
                    f"no stack file {path.name}; available stacks: {', '.join(available) or 'none'}",
                )
            ]
        )
    return path


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent.parent


def load_stack_file(stack: str, project_dir: Path | None = None) -> Settings:
    """Settings of ``Pulumi.<stack>.yaml`` for the post-deploy tools (no Pulumi, no AWS, no git)."""
    values, aws, secret = read_stack_file(stack_file(stack, project_dir))
    return parse_settings(stack, values, aws, secret_keys=secret)
