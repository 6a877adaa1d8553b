"""Validation of one stack's configuration: flat ``ns:key`` values in, :class:`Settings` or every
problem out. Pure: no AWS, no Pulumi engine."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from dixie_infra.names import Environment
from dixie_infra.settings.cli_values import decode_cli_value
from dixie_infra.settings.errors import translate
from dixie_infra.settings.problems import ConfigProblem
from dixie_infra.settings.schema import KNOWN_KEYS, SECRET_ALIASES, StackConfig
from dixie_infra.settings.types import (
    ENVIRONMENT_DEFAULTS,
    UNREADABLE_SECRET,
    AppSource,
    FinnSettings,
    SecretOverrides,
    Settings,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_T = TypeVar("_T", bound="DataclassInstance")


def validate_config(
    stack: str | None,
    config: Mapping[str, Any],
    *,
    secret_keys: Collection[str] = (),
    inspect_app_source: Callable[[Path], str] | None = None,
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Validate flat ``ns:key`` config. ``secret_keys`` are full keys set as secrets; a value
    that is ``UNREADABLE_SECRET`` (a ``secure:`` value read without the CLI) counts as absent.

    Returns the settings, or None and every problem found.
    """
    problems: list[ConfigProblem] = []
    refused: set[str] = set()
    data: dict[str, Any] = {}
    for key, value in config.items():
        secret = value is UNREADABLE_SECRET or key in secret_keys
        if secret and key in KNOWN_KEYS and key not in SECRET_ALIASES:
            refused.add(key)
            problems.append(
                ConfigProblem(
                    key,
                    "is set as a secret, which the tools cannot read without the CLI; only "
                    f"{', '.join(sorted(SECRET_ALIASES))} may be secrets; set it as plain text",
                )
            )
        elif value is UNREADABLE_SECRET and key in SECRET_ALIASES:
            continue  # set, but unreadable here: as if absent (the program adopts it under the CLI)
        else:
            # An unknown key keeps its value only to be refused as unknown; it is never echoed.
            data[key] = decode_cli_value(key, value)

    if ("dixie:imageTag" in data) == ("dixie:appSource" in data):
        both = "dixie:imageTag" in data
        problems.append(
            ConfigProblem(
                "dixie:imageTag",
                "set either dixie:imageTag or dixie:appSource, not both"
                if both
                else "one of dixie:imageTag (a git SHA or semver tag) or dixie:appSource (a loa-dixie checkout) is required",
            )
        )

    context: dict[str, Any] = {
        "stack": stack,
        "secret_keys": frozenset(secret_keys),
        "inspect_app_source": inspect_app_source,
    }
    model: StackConfig | None = None
    try:
        model = StackConfig.model_validate(data, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=True):
            problem = translate(error)
            if problem is not None and problem not in problems and problem.key not in refused:
                problems.append(problem)
    except RecursionError:
        problems.append(ConfigProblem("config", "is nested too deeply"))
    if problems or model is None:
        return None, problems
    return _settings(stack or model.environment, model, context.get("app_sources", {})), []


def _settings(stack: str, m: StackConfig, app_sources: Mapping[str, AppSource]) -> Settings:
    """The program's view of a valid config. Attributes are taken from the model's fields of the
    same name (so a new key needs its field here and its attribute on Settings, nothing else);
    only what is not a key, or is derived, is given explicitly."""
    environment = Environment(m.environment)
    env = environment.value
    return _frozen(
        Settings,
        m,
        stack=stack,
        environment=environment,
        app_source=app_sources.get(m.app_source) if m.app_source is not None else None,
        finn=_frozen(
            FinnSettings,
            m.finn,
            service_name=m.finn.service_name or f"loa-finn-{env}",
            ssm_prefix=m.finn.ssm_prefix or f"/loa-finn/{env}",
        ),
        redis=ENVIRONMENT_DEFAULTS[environment].redis,
        secrets=SecretOverrides(
            jwt_private_key=m.jwt_private_key,
            admin_key=m.admin_key,
            database_password=m.database_password,
        ),
    )


def _frozen(cls: type[_T], model: BaseModel, **given: Any) -> _T:
    """``cls`` (a frozen dataclass) from the same-named fields of ``model``: lists become tuples,
    nested models the dataclass that ``cls`` declares for them."""
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        if item.name in given:
            values[item.name] = given[item.name]
            continue
        value = getattr(model, item.name)
        if isinstance(value, BaseModel):
            value = _frozen(hints[item.name], value)
        elif isinstance(value, list):
            value = tuple(value)
        values[item.name] = value
    return cls(**values)
