"""Finn's side of the dixie stack's outputs contract, as a minimal Pulumi program.

Finn reads the dixie stack through a ``StackReference`` instead of having ``scripts.wire_finn``
write its parameter: ``require_output`` fails the Finn preview the moment the dixie stack stops
exporting ``dixieBaseUrl`` or ``serviceSecurityGroupId``, rather than letting Finn run with a
stale or empty address. ``tests/delivery/test_finn_consumer.py`` runs this file against the dixie
stack's real offline outputs, so renaming either output breaks dixie-infra's own tests first.

Config (namespace ``finn-consumer``):
  dixieStack  the dixie stack to read (default ``organization/dixie/<this stack's name>``,
              the self-managed backend's naming)
  ssmPrefix   Finn's parameter prefix (default ``/loa-finn/<this stack's name>``)
"""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
stack = pulumi.get_stack()
dixie_stack = config.get("dixieStack") or f"organization/dixie/{stack}"
ssm_prefix = (config.get("ssmPrefix") or f"/loa-finn/{stack}").rstrip("/")

dixie = pulumi.StackReference("dixie", stack_name=dixie_stack)
# The two outputs this consumer depends on. require_output (not get_output): a missing key is
# an error at preview time, never a parameter holding "None".
dixie_base_url = dixie.require_output("dixieBaseUrl")
dixie_security_group_id = dixie.require_output("serviceSecurityGroupId")

# SecureString, as Finn's task definition already reads this name through `valueFrom`, and as
# the parameter was created by hand before this stack managed it (so it can be imported as is).
aws.ssm.Parameter(
    "dixie-base-url",
    name=f"{ssm_prefix}/DIXIE_BASE_URL",
    type="SecureString",
    value=dixie_base_url,
    description="Dixie's base URL, from the dixie stack's dixieBaseUrl output",
    # Which security group Dixie's tasks use, for whoever opens a path between the services.
    tags={
        "ManagedBy": "pulumi",
        "Source": dixie_stack,
        "DixieServiceSecurityGroupId": dixie_security_group_id,
    },
)

pulumi.export("dixieBaseUrl", dixie_base_url)
pulumi.export("dixieServiceSecurityGroupId", dixie_security_group_id)
