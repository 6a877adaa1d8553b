"""The in-process runner agrees with pulumi-policy's own analyzer service on the armitage stack.

The analyzer service (``_PolicyAnalyzerServicer``, private in pulumi-policy 1.21.0, which the
requirements pin) is what the CLI talks to; it is driven here with the requests the engine would
send, without starting a server. Any drift between ``dixie_infra.offline.policies`` and the runtime
(props, proxying, levels, URNs) shows up as a difference in findings.
"""

from __future__ import annotations

import dixie_policies
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer

from dixie_infra.offline import STACK_TYPE, Evaluation, unwrap
from dixie_infra.offline.policies import check_policies

LEVELS = {proto.ADVISORY: "advisory", proto.MANDATORY: "mandatory"}


def _struct(props: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(serialize_properties(props))
    return struct


def test_runner_matches_the_analyzer_service(armitage: Evaluation) -> None:
    servicer = _PolicyAnalyzerServicer(
        name=dixie_policies.PACK_NAME,
        version="0.0.1",
        policies=dixie_policies.POLICIES,
        enforcement_level=EnforcementLevel.MANDATORY,
    )
    resources = [r for r in armitage.resources if r.type != STACK_TYPE]
    seen: set[tuple[str, str, str]] = set()
    for r in resources:
        response = servicer.Analyze(
            proto.AnalyzeRequest(type=r.type, properties=_struct(r.plain), urn=r.urn, name=r.name), None
        )
        seen |= {(d.policyName, d.urn, LEVELS[d.enforcementLevel]) for d in response.diagnostics}
    stack_request = proto.AnalyzeStackRequest()
    for r in resources:
        item = stack_request.resources.add(type=r.type, name=r.name, urn=r.urn, parent=r.parent)
        item.properties.CopyFrom(_struct(unwrap(r.outputs) if r.outputs else r.plain))
        item.dependencies.extend(r.dependencies)
        for key, urns in r.property_dependencies.items():
            item.propertyDependencies[key].urns.extend(urns)
    response = servicer.AnalyzeStack(stack_request, None)
    seen |= {(d.policyName, d.urn, LEVELS[d.enforcementLevel]) for d in response.diagnostics}

    ours = {(f.policy, f.urn, f.level) for f in check_policies(armitage)}
    assert seen == ours
    assert {level for _, _, level in seen} == {"advisory"}
