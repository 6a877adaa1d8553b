"""Entry point the Pulumi CLI runs: constructs the pack, which serves the policies and blocks.

Never import this module anywhere else (tests, the offline plan): ``PolicyPack(...)`` starts a gRPC
server and does not return. The policies live in the ``dixie_policies`` package beside it.
"""

from dixie_policies import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    # Each policy sets its own level; this applies only to a policy that does not.
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=POLICIES,
)
