"""Run the Pulumi program in-process under Pulumi's mock runtime: no AWS, no CLI, no plugins.

Used by the tests and by ``make plan STACK=<stack>`` (``python -m dixie_infra.offline``). The real
``__main__.py`` is executed inside a Stack resource, so the evaluation covers the same wiring the
CLI runs. A recording monitor keeps everything the engine would see for each resource: type,
logical name, parent, dependencies, protect, custom timeouts, which inputs are secret, and the
stack outputs.

Ids, ARNs and endpoints in the result are placeholders made up by :class:`OfflineMocks`; they look
like AWS's so that formats can be checked, but they name nothing real.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import runpy
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.sync_await import _sync_await

from dixie_infra.settings import SettingsError, project_root, read_stack_file, split_config

PLACEHOLDER_ACCOUNT = "123456789012"
SECRET_PLACEHOLDER = "offline-placeholder-secret"
MASK = "[secret]"

STACK_TYPE = "pulumi:pulumi:Stack"


def _hex(seed: str, length: int) -> str:
    digest = hashlib.sha256(seed.encode()).hexdigest()
    while len(digest) < length:
        digest += hashlib.sha256(digest.encode()).hexdigest()
    return digest[:length]


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def unwrap(value: Any) -> Any:
    """The plain value of a recorded input: secret sigils removed, recursively."""
    if rpc.is_rpc_secret(value):
        return unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def mask(value: Any) -> Any:
    """The value with every secret replaced by :data:`MASK`."""
    if rpc.is_rpc_secret(value):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


@dataclass
class Resource:
    """One registered resource, as the engine would have received it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    id: str
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    provider: str
    additional_secret_outputs: tuple[str, ...]
    custom_timeouts: dict[str, str]
    delete_before_replace: bool
    ignore_changes: tuple[str, ...]

    @property
    def plain(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (for assertions on values)."""
        return unwrap(self.inputs)

    @property
    def physical_name(self) -> str:
        plain = self.plain
        for key in (
            "name",
            "replicationGroupId",
            "family",
            "repositoryName",
            "functionName",
            "creationToken",
        ):
            value = plain.get(key)
            if isinstance(value, str):
                return value
        if self.type == "aws:route53/record:Record":
            return str(plain.get("name", ""))
        return ""

    def is_secret_input(self, key: str) -> bool:
        return is_secret(self.inputs.get(key))


@dataclass
class Evaluation:
    """The outcome of one offline run of the program."""

    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def stack_urn(self) -> str:
        return next(r.urn for r in self.resources if r.type == STACK_TYPE)

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Resource:
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_} named {name!r}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Resource:
        return next(r for r in self.resources if r.urn == urn)

    def waits_for(self, resource: Resource) -> set[str]:
        """URNs ``resource`` waits for directly: explicit dependencies, the resources behind its
        inputs, and every descendant of a component among them (waiting for a component means
        waiting for all it holds)."""
        direct = set(resource.dependencies)
        for urns in resource.property_dependencies.values():
            direct |= set(urns)
        expanded: set[str] = set()
        pending = list(direct)
        while pending:
            urn = pending.pop()
            if urn in expanded:
                continue
            expanded.add(urn)
            pending.extend(r.urn for r in self.resources if r.parent == urn)
        return expanded

    def depends_on(self, resource: Resource) -> set[str]:
        """URNs of everything ``resource`` waits for, transitively."""
        seen: set[str] = set()
        pending = [resource]
        while pending:
            for urn in self.waits_for(pending.pop()):
                if urn not in seen:
                    seen.add(urn)
                    pending.append(self.by_urn(urn))
        return seen

    @property
    def aws_resources(self) -> list[Resource]:
        return [r for r in self.resources if r.custom and r.type.startswith("aws:")]

    @property
    def plain_outputs(self) -> dict[str, Any]:
        return unwrap(self.outputs)


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with placeholder values shaped like AWS's.

    ``parameter_versions`` sets the ``version`` of SSM parameters by name (default 1), to show
    that a changed value rolls the service. ``missing_image_tags`` makes the ECR image lookup
    fail for those tags, as AWS does when the tag was never pushed. ``existing_image_tags``
    lists tags already in the repository (an app-source build of such a tag is reused);
    ``images_error`` makes listing them fail with that text (e.g. RepositoryNotFoundException).
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        account: str = PLACEHOLDER_ACCOUNT,
        parameter_versions: Mapping[str, int] | None = None,
        missing_image_tags: frozenset[str] = frozenset(),
        existing_image_tags: frozenset[str] = frozenset(),
        images_error: str | None = None,
    ):
        self.region = region
        self.account = account
        self.parameter_versions = dict(parameter_versions or {})
        self.missing_image_tags = missing_image_tags
        self.existing_image_tags = existing_image_tags
        self.images_error = images_error
        self.invokes: list[tuple[str, dict[str, Any]]] = []
        #: (type, logical name) of every resource registered, in order.
        self.registered: list[tuple[str, str]] = []

    def _arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:aws:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"
        )

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.registered.append((args.typ, args.name))
        inputs = dict(args.inputs)
        plain = unwrap(inputs)
        name = plain.get("name") or args.name
        typ = args.typ
        rid = f"{args.name}-id"
        extra: dict[str, Any] = {}
        if typ == "aws:ecr/repository:Repository":
            rid = name
            extra = {
                "arn": self._arn("ecr", f"repository/{name}"),
                "registryId": self.account,
                "repositoryUrl": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{name}",
            }
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            rid = f"sg-{_hex(name, 17)}"
            extra = {"arn": self._arn("ec2", f"security-group/{rid}")}
        elif typ.startswith("aws:vpc/securityGroup"):
            rid = f"sgr-{_hex(args.name, 17)}"
        elif typ == "aws:ssm/parameter:Parameter":
            rid = name
            extra = {
                "arn": self._arn("ssm", f"parameter{name}"),
                "version": self.parameter_versions.get(name, 1),
            }
        elif typ == "aws:iam/role:Role":
            rid = name
            extra = {
                "arn": self._arn("iam", f"role/{name}", region=False),
                "uniqueId": f"AROA{_hex(name, 17).upper()}",
            }
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            rid = name
            extra = {"arn": self._arn("logs", f"log-group:{name}")}
        elif typ == "aws:ecs/taskDefinition:TaskDefinition":
            family = plain["family"]
            revision = int(_hex(json.dumps(plain, sort_keys=True), 4), 16) % 97 + 1
            rid = family
            extra = {
                "arn": self._arn("ecs", f"task-definition/{family}:{revision}"),
                "arnWithoutRevision": self._arn("ecs", f"task-definition/{family}"),
                "revision": revision,
            }
        elif typ == "aws:ecs/service:Service":
            rid = self._arn("ecs", f"service/{plain.get('cluster', '').rsplit('/', 1)[-1]}/{name}")
        elif typ == "aws:lb/targetGroup:TargetGroup":
            suffix = f"targetgroup/{name}/{_hex(name, 16)}"
            rid = self._arn("elasticloadbalancing", suffix)
            extra = {"arn": rid, "arnSuffix": suffix}
        elif typ == "aws:lb/listenerRule:ListenerRule":
            listener = str(plain.get("listenerArn", ""))
            rid = listener.replace(":listener/", ":listener-rule/") + f"/{_hex(args.name, 16)}"
            extra = {"arn": rid}
        elif typ == "aws:elasticache/replicationGroup:ReplicationGroup":
            rid = plain["replicationGroupId"]
            extra = {
                "arn": self._arn("elasticache", f"replicationgroup:{rid}"),
                "primaryEndpointAddress": f"master.{rid}.{_hex(rid, 6)}.use1.cache.amazonaws.com",
                "readerEndpointAddress": f"replica.{rid}.{_hex(rid, 6)}.use1.cache.amazonaws.com",
                "memberClusters": [
                    f"{rid}-{i:03d}" for i in range(1, int(plain.get("numCacheClusters", 1)) + 1)
                ],
            }
        elif typ in (
            "aws:elasticache/subnetGroup:SubnetGroup",
            "aws:elasticache/parameterGroup:ParameterGroup",
        ):
            rid = name
        elif typ == "aws:sns/topic:Topic":
            rid = self._arn("sns", name)
            extra = {"arn": rid}
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            rid = name
            extra = {"arn": self._arn("cloudwatch", f"alarm:{name}")}
        elif typ == "aws:efs/fileSystem:FileSystem":
            rid = f"fs-{_hex(str(plain.get('creationToken') or args.name), 17)}"
            extra = {
                "arn": self._arn("elasticfilesystem", f"file-system/{rid}"),
                "dnsName": f"{rid}.efs.{self.region}.amazonaws.com",
            }
        elif typ == "aws:efs/accessPoint:AccessPoint":
            rid = f"fsap-{_hex(args.name, 17)}"
            extra = {"arn": self._arn("elasticfilesystem", f"access-point/{rid}")}
        elif typ == "aws:efs/mountTarget:MountTarget":
            rid = f"fsmt-{_hex(args.name, 17)}"
        elif typ == "aws:cloudwatch/eventRule:EventRule":
            rid = name
            extra = {"arn": self._arn("events", f"rule/{name}")}
        elif typ == "aws:route53/record:Record":
            rid = f"{plain.get('zoneId')}_{name}_{plain.get('type')}"
            extra = {"fqdn": name}
        elif typ == "random:index/randomPassword:RandomPassword":
            length = int(plain.get("length", 32))
            specials = str(plain.get("overrideSpecial") or "")
            seed = _hex(args.name, length)
            chars = [
                c if i % 7 else (specials[i % len(specials)] if specials and plain.get("special") else c)
                for i, c in enumerate(seed)
            ]
            extra = {"result": "".join(chars)}
        elif typ == "random:index/randomBytes:RandomBytes":
            hexed = _hex(args.name, int(plain.get("length", 32)) * 2)
            extra = {"hex": hexed, "base64": hexed}
        elif typ == "docker:index/image:Image":
            image_name = str(plain.get("imageName", ""))
            extra = {
                "repoDigest": f"{image_name.rsplit(':', 1)[0]}@sha256:{_hex(image_name, 64)}",
                "imageName": image_name,
            }
        return rid, {**inputs, **extra}

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        plain = unwrap(dict(args.args))
        self.invokes.append((args.token, plain))
        token = args.token
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account,
                "arn": f"arn:aws:sts::{self.account}:assumed-role/offline/offline",
                "userId": "AROAOFFLINE:offline",
                "id": self.account,
            }
        if token == "aws:index/getRegion:getRegion":
            return {
                "name": self.region,
                "region": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            }
        if token == "aws:rds/getInstance:getInstance":
            ident = plain.get("dbInstanceIdentifier", "db")
            address = f"{ident}.c{_hex(ident, 12)}.{self.region}.rds.amazonaws.com"
            return {
                "id": ident,
                "dbInstanceIdentifier": ident,
                "address": address,
                "endpoint": f"{address}:5432",
                "port": 5432,
                "engine": "postgres",
                "vpcSecurityGroups": [f"sg-{_hex(ident, 17)}"],
                "dbInstanceArn": self._arn("rds", f"db:{ident}"),
            }
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                "id": self.account,
                "proxyEndpoint": f"https://{self.account}.dkr.ecr.{self.region}.amazonaws.com",
                "userName": "AWS",
                "password": SECRET_PLACEHOLDER,
                "authorizationToken": SECRET_PLACEHOLDER,
                "expiresAt": "2099-01-01T00:00:00Z",
            }
        if token == "aws:ecr/getImage:getImage":
            tag = plain.get("imageTag", "")
            if tag in self.missing_image_tags:
                return _provider_failure(
                    f"ImageNotFoundException: image tag {tag!r} not found in {plain.get('repositoryName')!r}"
                )
            digest = f"sha256:{_hex(str(plain.get('repositoryName')) + tag, 64)}"
            return {
                "id": digest,
                "imageDigest": digest,
                "imageTags": [tag],
                "imagePushedAt": 1767225600,
                "imageSizeInBytes": 123456789,
                "imageUri": f"{self.account}.dkr.ecr.{self.region}.amazonaws.com/{plain.get('repositoryName')}@{digest}",
                "repositoryName": plain.get("repositoryName"),
                "registryId": self.account,
            }
        if token == "aws:ecr/getImages:getImages":
            if self.images_error:
                return _provider_failure(self.images_error)
            return {
                "id": plain.get("repositoryName"),
                "repositoryName": plain.get("repositoryName"),
                "imageIds": [
                    {"imageTag": t, "imageDigest": f"sha256:{_hex(t, 64)}"}
                    for t in sorted(self.existing_image_tags)
                ],
            }
        raise NotImplementedError(f"offline runner has no answer for invoke {token}")


def _provider_failure(reason: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An invoke that the provider refused, answered as the engine does: a failure in the
    response, which the SDK raises at the call site (a raised exception would instead be an
    RPC-level error that fails the whole program, which AWS errors are not)."""
    return {}, [("", reason)]


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


# --- make plan ----------------------------------------------------------------------------------


def _key_settings(resource: Resource) -> str:
    p = resource.plain
    t = resource.type
    picks: list[str] = []

    def add(label: str, value: Any) -> None:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value not in (None, "", [], {}):
            picks.append(f"{label}={value}")

    if t == "aws:ecr/repository:Repository":
        add("tags", p.get("imageTagMutability"))
        add("scanOnPush", (p.get("imageScanningConfiguration") or {}).get("scanOnPush"))
    elif t == "aws:ecs/service:Service":
        add("desired", p.get("desiredCount"))
        add("max%", p.get("deploymentMaximumPercent"))
        add("min%", p.get("deploymentMinimumHealthyPercent"))
        add("circuitBreaker", p.get("deploymentCircuitBreaker"))
        add("waitForSteadyState", p.get("waitForSteadyState"))
    elif t == "aws:ecs/taskDefinition:TaskDefinition":
        add("cpu", p.get("cpu"))
        add("memory", p.get("memory"))
    elif t == "aws:ssm/parameter:Parameter":
        add("type", p.get("type"))
        # The provider marks every parameter value secret; a String parameter holds none.
        add("value", p.get("value") if p.get("type") == "String" else MASK)
    elif t.startswith("aws:vpc/securityGroup"):
        add("port", p.get("fromPort"))
        add("from", p.get("referencedSecurityGroupId") or p.get("cidrIpv4"))
        add("on", p.get("securityGroupId"))
    elif t == "aws:elasticache/replicationGroup:ReplicationGroup":
        add("engine", p.get("engineVersion"))
        add("nodes", p.get("numCacheClusters"))
        add("nodeType", p.get("nodeType"))
        add("failover", p.get("automaticFailoverEnabled"))
        add("tls", p.get("transitEncryptionEnabled"))
    elif t == "aws:lb/listenerRule:ListenerRule":
        add("priority", p.get("priority"))
    elif t == "aws:cloudwatch/metricAlarm:MetricAlarm":
        add("metric", p.get("metricName"))
        add("threshold", p.get("threshold"))
    elif t == "aws:cloudwatch/logGroup:LogGroup":
        add("retention", p.get("retentionInDays"))
    if resource.protect:
        picks.append("protected")
    return ", ".join(picks)


def _print_plan(evaluation: Evaluation) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=200)
    table = Table(
        title=f"stack {evaluation.stack}: {len(evaluation.resources) - 1} resources (offline plan)",
        title_justify="left",
    )
    for column in ("type", "logical name", "physical name", "key settings"):
        table.add_column(column, overflow="fold")
    for resource in evaluation.resources:
        if resource.type == STACK_TYPE:
            continue
        table.add_row(resource.type, resource.name, resource.physical_name, _key_settings(resource))
    console.print(table)
    outputs = Table(title="stack outputs", title_justify="left")
    outputs.add_column("output")
    outputs.add_column("value", overflow="fold")
    for key, value in sorted(mask(evaluation.outputs).items()):
        outputs.add_row(key, str(value))
    console.print(outputs)
    console.print(
        "Ids, ARNs, endpoints, digests and generated secrets above are offline placeholders, "
        "not values from AWS. Run `pulumi preview -s "
        f"{evaluation.stack}` against the account for the real diff."
    )
    console.print(f"Evaluated in {evaluation.seconds:.3f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dixie_infra.offline",
        description="Evaluate the Pulumi program offline (mock runtime) and print what it would register.",
    )
    parser.add_argument(
        "--stack",
        default="armitage",
        help="stack whose Pulumi.<STACK>.yaml to evaluate (default: %(default)s)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print resources and outputs as one JSON document"
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=None,
        help="directory holding Pulumi.<STACK>.yaml (default: the project's root)",
    )
    args = parser.parse_args(argv)
    try:
        config, secret_keys = stack_config(args.stack, args.project_dir)
        evaluation = evaluate(args.stack, config, secret_keys=secret_keys)
    except SettingsError as exc:
        print(f"stack {args.stack}: {len(exc.problems)} configuration problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one line for people; the program's own error text
        print(f"stack {args.stack}: the program failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    # policy_check imports this module; importing it at the top would be circular.
    from dixie_infra.policy_check import check_policies, has_mandatory, render_findings

    findings = check_policies(evaluation)
    if args.json:
        json.dump(
            {
                "stack": evaluation.stack,
                "placeholders": "ids, ARNs, endpoints and generated secrets are offline placeholders",
                "resources": [
                    {
                        "type": r.type,
                        "name": r.name,
                        "physicalName": r.physical_name,
                        "protect": r.protect,
                        "inputs": mask(r.inputs),
                    }
                    for r in evaluation.resources
                    if r.type != STACK_TYPE
                ],
                "outputs": mask(evaluation.outputs),
                "policyFindings": [f.as_dict() for f in findings],
            },
            sys.stdout,
            indent=2,
            default=str,
        )
        print()
    else:
        from rich.console import Console

        _print_plan(evaluation)
        render_findings(findings, Console(width=200))
    # A mandatory policy violation would fail `pulumi preview --policy-pack policy` too.
    return 1 if has_mandatory(findings) else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["Evaluation", "OfflineMocks", "Resource", "evaluate", "main", "stack_config"]


def iter_secret_strings(evaluation: Evaluation) -> Iterator[str]:
    """Every plaintext secret value the program handled (for leak tests)."""

    def walk(value: Any, secret: bool) -> Iterator[str]:
        if rpc.is_rpc_secret(value):
            yield from walk(rpc.unwrap_rpc_secret(value), True)
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v, secret)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, secret)
        elif secret and isinstance(value, str) and len(value) >= 8:
            yield value

    for resource in evaluation.resources:
        if resource.type == "aws:ssm/parameter:Parameter" and resource.plain.get("type") == "String":
            # The provider marks every parameter value secret; a String parameter holds none.
            continue
        yield from walk(resource.inputs, False)
        yield from walk(resource.outputs, False)
