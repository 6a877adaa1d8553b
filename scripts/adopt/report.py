"""Shaping the outcome: the import file, the JSON document, the human report, the verdict."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dixie_infra import names
from dixie_infra.settings import PROJECT, Settings
from scripts._cli import print_line, print_table
from scripts.adopt.kinds import HAND_MADE, PROVIDER_NAME, PROVIDER_TYPE
from scripts.adopt.program import Declared, engine_urn
from scripts.adopt.records import Adoption, Effect

#: The secrets the running service uses and how to carry each from SSM into the stack config.
SECRET_SOURCES: tuple[tuple[str, str, bool], ...] = (
    ("jwtPrivateKey", "DIXIE_JWT_PRIVATE_KEY", False),
    ("adminKey", "DIXIE_ADMIN_KEY", False),
    ("databasePassword", "DATABASE_URL", True),
)
# Reads a URL on stdin and writes its URL-decoded password, without a newline; nothing else.
_DECODE_URL_USERINFO = (
    "import sys, urllib.parse; "
    "sys.stdout.write(urllib.parse.unquote(urllib.parse.urlsplit(sys.stdin.read().strip()).password or str()))"
)


def import_file(adoption: Adoption, declared: list[Declared]) -> dict[str, Any]:
    """The bulk import document for ``pulumi import --file``."""
    components = {d.name: d for d in declared if not d.custom and d.type != PROVIDER_TYPE}
    parents = sorted(
        name for name in components if any(m.declared.parent_name == name for m in adoption.matched)
    )
    resources: list[dict[str, Any]] = [
        {"type": components[name].type, "name": name, "component": True} for name in parents
    ]
    for m in adoption.matched:
        entry: dict[str, Any] = {"type": m.declared.type, "name": m.declared.name, "id": m.import_id}
        if m.declared.parent_name:
            entry["parent"] = m.declared.parent_name
        entry["provider"] = PROVIDER_NAME
        resources.append(entry)
    return {"nameTable": {PROVIDER_NAME: provider_urn(adoption.stack)}, "resources": resources}


def provider_urn(stack: str) -> str:
    return engine_urn(stack, [PROVIDER_TYPE], PROVIDER_NAME)


def secret_commands(settings: Settings, set_already: frozenset[str]) -> list[dict[str, str]]:
    """Shell pipelines that move each secret from SSM into the stack config, never via a screen."""
    out: list[dict[str, str]] = []
    stack = shlex.quote(settings.stack)
    region = shlex.quote(settings.region)
    for key, parameter, is_url in SECRET_SOURCES:
        name = shlex.quote(names.parameter_name(settings.environment, parameter))
        read = (
            f"aws ssm get-parameter --region {region} --name {name} --with-decryption "
            "--query Parameter.Value --output text"
        )
        pipe = f" | python3 -c {shlex.quote(_DECODE_URL_USERINFO)}" if is_url else ""
        command = f"{read}{pipe} | pulumi config set --secret {PROJECT}:{key} -s {stack}"
        out.append(
            {
                "key": f"{PROJECT}:{key}",
                "from": parameter,
                "command": command,
                "status": "already set in the stack file (secure)" if key in set_already else "to set",
            }
        )
    return out


def next_steps(adoption: Adoption, output: Path) -> list[str]:
    stack = adoption.stack
    addresses = sorted({m.source.split(" ")[0] for m in adoption.matched if m.source != HAND_MADE})
    quoted = " ".join(shlex.quote(a) for a in addresses)
    return [
        "freeze terraform: no more `terraform apply` for this environment (announce it, keep the lock)",
        f"pulumi config set {PROJECT}:redisAuth false -s {stack}   (the existing group has no AUTH token)",
        "run the three secret commands above",
        f"pulumi up -s {stack} --target '{provider_urn(stack)}'   (creates only the explicit AWS provider; "
        "pulumi import cannot create providers)",
        f"pulumi import -s {stack} --file {output} --generate-code=false   (imports are protected by default)",
        f"pulumi preview -s {stack} --diff   (must show no replace; a new task-definition revision is expected)",
        f"pulumi up -s {stack}",
        f"terraform state rm {quoted}" if quoted else "terraform state rm: nothing to remove",
        "never `terraform destroy`: the resources now belong to this stack",
    ]


def _rows_matched(adoption: Adoption) -> list[list[str]]:
    rows = []
    for m in adoption.matched:
        changes = (
            ", ".join(
                f"{d.property}:{'REPLACE' if d.effect == Effect.REPLACE else 'rev' if d.effect == Effect.REVISION else 'upd'}"
                for d in m.differences
            )
            or "none"
        )
        rows.append(
            [
                m.declared.type.split(":")[-1],
                m.declared.name,
                m.import_id,
                m.source,
                "protected" if m.declared.protect else "",
                changes,
            ]
        )
    return rows


def render(adoption: Adoption, document: Mapping[str, Any], entries: int) -> None:
    # Every line goes through print_line: addresses and ids come from the state, which may carry
    # terminal controls (tables are made safe by print_table the same way).
    print_table(
        f"stack {adoption.stack}: {len(adoption.matched)} resource(s) matched, will be imported",
        ("type", "logical name", "import id", "from", "protect", "differences"),
        _rows_matched(adoption),
    )
    diffs = [d for m in adoption.matched for d in m.differences]
    if diffs:
        print_table(
            "differences between what exists and what the program sets",
            ("logical name", "property", "current", "program", "effect"),
            [[d.logical_name, d.property, d.current, d.program, d.effect] for d in diffs],
            caption="a task definition is immutable: any change is a new revision and a normal rollout",
        )
    if adoption.absent:
        print_table(
            "declared by the program, absent here: will be created",
            ("type", "logical name", "physical name", "note"),
            [[d.type.split(":")[-1], d.name, d.physical_name, note] for d, note in adoption.absent],
        )
    if adoption.not_declared:
        print_table(
            "in terraform, not declared by the program: left alone",
            ("address", "type", "id / rule", "what to do"),
            [list(row) for row in adoption.not_declared],
        )
    if adoption.missing:
        print_table(
            "recorded by terraform, missing from AWS: cannot be imported",
            ("address", "type", "id / rule", "logical name"),
            [[m.address, m.type, m.id, m.logical_name or ""] for m in adoption.missing],
            caption="wrong account or region, or deleted outside terraform: find out which before going on",
        )
    for problem in adoption.problems:
        print_line(f"problem: {problem}")
    print_line("")
    print_line(f"Import file: {document['importFile']} ({entries} entries; no secret values in it).")
    print_line("")
    print_line("Keep the secrets the running service uses (each command reads the value from SSM itself;")
    print_line("nothing is printed):")
    for item in document["secretCommands"]:
        print_line(f"  # {item['key']} from {item['from']} ({item['status']})")
        print_line(f"  {item['command']}")
    print_line("")
    print_line("Redis AUTH is off on the existing replication group: adopt with")
    print_line(f"  pulumi config set {PROJECT}:redisAuth false -s {adoption.stack}")
    print_line(f"  {document['redisAuth']['later']}")
    print_line("")
    for note in document["notes"]:
        print_line(f"note: {note}")
    print_line("")
    print_line("Next steps:")
    for index, step in enumerate(document["nextSteps"], 1):
        print_line(f"  {index}. {step}")
    print_line("")
    print_line(document["verdict"])


def verdict(adoption: Adoption) -> str:
    if adoption.ok:
        return (
            f"OK: {len(adoption.matched)} resource(s) adopt without replacement; "
            f"{len(adoption.absent)} will be created, {len(adoption.not_declared)} left alone."
        )
    parts = []
    if adoption.replacements:
        parts.append(
            f"{len(adoption.replacements)} difference(s) force a replacement "
            f"({', '.join(sorted({d.logical_name for d in adoption.replacements}))})"
        )
    if adoption.missing:
        parts.append(
            f"{len(adoption.missing)} resource(s) terraform recorded are missing from AWS "
            "(wrong account or region, or deleted by hand)"
        )
    if adoption.problems:
        parts.append(f"{len(adoption.problems)} problem(s)")
    return "NOT SAFE: " + "; ".join(parts) + ". Fix the program (or the resource) before `pulumi import`."


NOTES: tuple[str, ...] = (
    "`pulumi up` writes every parameter's value from the program: the three secret commands keep "
    "the JWT key, the admin key and the database password; DATABASE_URL and REDIS_URL are rebuilt "
    "from the RDS instance and the replication group's endpoint; SecureString values are never "
    "read here, so compare them in `pulumi preview --diff --show-secrets` only on a private screen.",
    "tags change from ManagedBy=terraform to ManagedBy=pulumi on every resource (in place).",
    "imported resources land protected (`pulumi import` default); the first `pulumi up` keeps "
    "protection only where the program asks for it (marked protected above).",
)


def document(
    adoption: Adoption, settings: Settings, secret_names: frozenset[str], output: Path
) -> dict[str, Any]:
    """The whole report as one JSON-ready document (``--json``; the human report renders it)."""
    stack = adoption.stack
    return {
        "stack": stack,
        "importFile": str(output),
        "ok": adoption.ok,
        "verdict": verdict(adoption),
        "matched": [
            {
                "type": m.declared.type,
                "logicalName": m.declared.name,
                "urn": m.declared.urn,
                "parent": m.declared.parent_name,
                "importId": m.import_id,
                "source": m.source,
                "protect": m.declared.protect,
                "matchedBy": "terraform address" if m.by_address else "name",
                "forcesReplacement": m.forces_replacement,
            }
            for m in adoption.matched
        ],
        "differences": [d.as_dict() for m in adoption.matched for d in m.differences],
        "willBeCreated": [
            {"type": d.type, "logicalName": d.name, "physicalName": d.physical_name, "note": note}
            for d, note in adoption.absent
        ],
        "notDeclared": [
            {"address": a, "type": t, "id": i, "advice": advice} for a, t, i, advice in adoption.not_declared
        ],
        "missingInAws": [m.as_dict() for m in adoption.missing],
        "problems": list(adoption.problems),
        "secretCommands": secret_commands(settings, secret_names),
        "redisAuth": {
            "adopt": f"pulumi config set {PROJECT}:redisAuth false -s {stack}",
            "later": (
                f"to turn AUTH on later: pulumi config set {PROJECT}:redisAuth true -s {stack} && "
                f"pulumi up -s {stack} (ElastiCache adds the token in place, then REDIS_URL and "
                "a new task-definition revision carry it; no replacement)"
            ),
        },
        "nextSteps": next_steps(adoption, output),
        "notes": NOTES,
    }
