"""Run the Pulumi program in-process under Pulumi's mock runtime: no AWS, no CLI, no plugins.

The only module that touches Pulumi's private runtime APIs (the root-resource context variable,
the settings' pending outputs, ``_sync_await``). The real ``__main__.py`` is executed inside a
Stack resource, so the evaluation covers the same wiring the CLI runs. A recording monitor keeps
everything the engine would see for each resource: type, logical name, parent, dependencies,
protect, custom timeouts, which inputs are secret, and the stack outputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import runpy
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.sync_await import _sync_await

from dixie_infra.offline.mocks import PLACEHOLDER_ACCOUNT, SECRET_PLACEHOLDER, OfflineMocks
from dixie_infra.offline.record import STACK_TYPE, Evaluation, Resource
from dixie_infra.settings import project_root, read_stack_file, split_config


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that keeps what the engine would see and honours additionalSecretOutputs."""

    def __init__(self, mocks: OfflineMocks):
        super().__init__(mocks)
        self.records: list[Resource] = []
        self.stack_outputs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        urn = response.urn
        inputs = (
            rpc.deserialize_properties(request.object, keep_internal=False)
            if request.type != STACK_TYPE
            else {}
        )
        registration = self.resources.get(urn)
        outputs = dict(registration.state) if registration is not None else {}
        secret_outputs = tuple(request.additionalSecretOutputs)
        if secret_outputs and request.type != STACK_TYPE:
            # The stock mock monitor drops additionalSecretOutputs; the engine marks them secret.
            for key in secret_outputs:
                if key in outputs and not rpc.is_rpc_secret(outputs[key]):
                    outputs[key] = rpc.wrap_rpc_secret(outputs[key])
            obj = _sync_await(rpc.serialize_properties(outputs, {}))
            response = type(response)(urn=response.urn, id=response.id, object=obj)
        timeouts = request.customTimeouts
        record = Resource(
            type=request.type,
            name=request.name,
            urn=urn,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=inputs,
            outputs=outputs,
            id=response.id,
            dependencies=tuple(request.dependencies),
            property_dependencies={k: tuple(v.urns) for k, v in request.propertyDependencies.items()},
            protect=bool(request.protect),
            provider=request.provider,
            additional_secret_outputs=secret_outputs,
            custom_timeouts={
                k: getattr(timeouts, k) for k in ("create", "update", "delete") if getattr(timeouts, k)
            },
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=tuple(request.ignoreChanges),
        )
        with self._lock:
            self.records.append(record)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.stack_outputs = rpc.deserialize_properties(request.outputs, keep_internal=False)
        return super().RegisterResourceOutputs(request)


class _Placeholder:
    """Stands in as root resource while set_mocks runs, so it does not create a Stack of its own."""


def flatten_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config as the CLI hands it to a program: every value a string, objects JSON-encoded."""
    flat: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, str):
            flat[key] = value
        elif isinstance(value, bool):
            flat[key] = "true" if value else "false"
        else:
            flat[key] = json.dumps(value)
    return flat


def stack_config(stack: str, project_dir: Path | None = None) -> tuple[dict[str, Any], list[str]]:
    """The flat config of ``Pulumi.<stack>.yaml`` (``ns:key`` -> value) and its secret keys.

    ``secure:`` values cannot be decrypted without the CLI; each becomes a placeholder that has
    the right shape for its key, so the program still evaluates.
    """
    from dixie_infra.settings import UNREADABLE_SECRET, stack_file

    values, aws, secret = read_stack_file(stack_file(stack, project_dir))
    placeholders = {"jwtPrivateKey": "0" * 64, "adminKey": "0" * 64, "databasePassword": SECRET_PLACEHOLDER}
    flat: dict[str, Any] = {f"aws:{k}": v for k, v in aws.items()}
    for key, value in values.items():
        flat[f"dixie:{key}"] = (
            placeholders.get(key, SECRET_PLACEHOLDER) if value is UNREADABLE_SECRET else value
        )
    return flat, [f"dixie:{k}" for k in secret]


def evaluate(
    stack: str,
    config: Mapping[str, Any],
    *,
    secret_keys: list[str] | tuple[str, ...] = (),
    mocks: OfflineMocks | None = None,
    program: Path | None = None,
    preview: bool = False,
    project: str = "dixie",
) -> Evaluation:
    """Run ``__main__.py`` for ``stack`` with ``config`` (``ns:key`` -> value) under mocks.

    Runs in a fresh thread, so Pulumi's context variables start empty and nothing leaks between
    evaluations. Raises what the program raised (e.g. :class:`SettingsError`).
    """
    _, aws = split_config(config)
    if mocks is None:
        region = str(aws.get("region") or "us-east-1")
        accounts = aws.get("allowedAccountIds")
        if isinstance(accounts, str):
            with contextlib.suppress(json.JSONDecodeError):
                accounts = json.loads(accounts)
        account = str(accounts[0]) if isinstance(accounts, list) and accounts else PLACEHOLDER_ACCOUNT
        mocks = OfflineMocks(region=region, account=account)
    program = program or project_root() / "__main__.py"
    result: dict[str, Any] = {}

    def worker() -> None:
        try:
            result["value"] = _evaluate_here(
                stack, flatten_config(config), list(secret_keys), mocks, program, preview, project
            )
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            result["error"] = exc

    thread = threading.Thread(target=worker, name=f"pulumi-offline-{stack}", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _evaluate_here(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    mocks: OfflineMocks,
    program: Path,
    preview: bool,
    project: str,
) -> Evaluation:
    started = time.perf_counter()
    pulumi.runtime.set_all_config(config, secret_keys)
    monitor = RecordingMonitor(mocks)
    runtime_settings.ROOT.set(_Placeholder())  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    runtime_settings.ROOT.set(None)

    program_dir = str(program.parent)
    added_path = program_dir not in sys.path
    if added_path:
        sys.path.insert(0, program_dir)

    def run_program() -> None:
        runpy.run_path(str(program), run_name="__main__")

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(pulumi.runtime.stack.run_in_stack(run_program))
    except BaseException:
        # A failed run leaves outputs and tasks behind; without this the next run in the
        # process dies with "Event loop is closed".
        settings = runtime_settings.SETTINGS
        with contextlib.suppress(Exception):
            settings.outputs.clear()
        for task in asyncio.all_tasks(loop):
            task.cancel()
        with contextlib.suppress(Exception):
            loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
        raise
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        if added_path:
            with contextlib.suppress(ValueError):
                sys.path.remove(program_dir)

    evaluation = Evaluation(stack=stack, resources=list(monitor.records), outputs=dict(monitor.stack_outputs))
    evaluation.invokes = list(mocks.invokes)
    evaluation.seconds = time.perf_counter() - started
    return evaluation
