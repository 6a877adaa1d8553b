"""Adopt what exists: import the terraform-made and hand-made resources of a stack into Pulumi.

``python -m scripts.adopt --stack armitage --terraform-state FILE`` (``terraform show -json``
output; ``-`` reads stdin). Nothing is changed anywhere: the tool reads, compares and writes an
import file plus a report. The operator's guide is ``docs/adopt.md``.

0. Refused before any work (exit 2): an unknown stack, an ``--output`` that cannot be written,
   a state over :data:`~scripts.adopt.cli.MAX_STATE_BYTES`, not UTF-8, nested absurdly deep, not
   a state, or of another environment; credentials of an account outside the stack's
   ``aws:allowedAccountIds`` (``sts:GetCallerIdentity``).
1. The program is evaluated offline (``dixie_infra.offline``, the mock runtime) with the stack's
   config and ``dixie:redisAuth=false`` laid over it, because the existing replication group has
   no AUTH token and the adoption keeps it that way (an AUTH token set later is an in-place
   change). That yields every resource the program declares: type, logical name, parent
   component, physical name, inputs.
2. Every terraform resource is matched to a declared one by Pulumi type and physical name (the
   program keeps the terraform split's names). A resource the program renamed is still paired
   through :data:`~scripts.adopt.kinds.TERRAFORM_ADDRESSES` (the split's addresses), and reported
   as a replacement, never silently dropped. Each match is looked up in AWS: one terraform
   recorded and AWS lacks is listed once as missing and fails the run.
3. Security group rules. The split's groups carry inline ``ingress``/``egress`` blocks (no ids of
   their own) plus a standalone 6379 egress rule; the program declares one standalone
   ``aws.vpc.SecurityGroup{Ingress,Egress}Rule`` per AWS rule. Both sides are reduced to AWS's
   own key for a rule: direction, group id, protocol, port range and the one peer (CIDR, prefix
   list or group); an inline block with two CIDRs is two rules. The import id (``sgr-…``) comes
   from AWS (``ec2:DescribeSecurityGroupRules`` filtered by group id), since inline rules carry
   none in the state. A rule found in AWS but not in the state was made by hand: that is how the
   NATS ingress rule (tcp 4222 on the NATS group from the service group) is found.
   Rule descriptions are not part of the key: a different description is an in-place update.
4. The other hand-made resources are looked up in AWS with boto3: the ECR repository ``<svc>``
   and its lifecycle policy. Anything else the program declares and nothing holds "will be
   created".
5. For every matched resource the properties whose value after ``pulumi import`` differs from
   what the program sets are listed; terraform's values are first rewritten the way the provider
   rewrites them on import (:data:`~scripts.adopt.kinds.IMPORT_NORMALISATIONS`); those in the
   ``replace`` column of :data:`~scripts.adopt.kinds.KINDS` force a replacement. Task
   definitions are immutable: any difference is a new revision, which is normal.

Output: a bulk import file for ``pulumi import --file`` (``--output``, default
``adopt-<stack>.json``): the seven components as ``component`` entries (the engine creates them
empty), every matched resource with its type, logical name, parent (by name) and import id, and
the explicit provider ``aws`` in ``nameTable`` by its engine URN (``pulumi import`` cannot create
providers, so a targeted ``pulumi up`` creates it first: see ``docs/adopt.md``). The file format
has no per-resource protection: ``pulumi import`` protects everything it imports (its default),
and the first ``pulumi up`` applies the program's own ``protect`` (kept on the repository, the
replication group and the ECS service, which the report marks ``protected``).

Secrets: terraform state holds SSM values and AUTH tokens in plaintext; they are dropped while
the state is loaded (:mod:`scripts.adopt.terraform`). The tool never reads a parameter value:
the ``pulumi config set --secret`` commands it prints read them from SSM themselves.

Exit codes: 0 every terraform resource is matched, exists and nothing forces a replacement;
1 something would be replaced, is missing from AWS, or a check failed; 2 bad input.

Modules: :mod:`~scripts.adopt.kinds` (the type table, data), :mod:`~scripts.adopt.terraform`
(the state reader), :mod:`~scripts.adopt.program` (what the program declares),
:mod:`~scripts.adopt.compare`, :mod:`~scripts.adopt.aws` (look-ups),
:mod:`~scripts.adopt.matching`, :mod:`~scripts.adopt.report` and :mod:`~scripts.adopt.cli`
(``main``).
"""

from scripts.adopt.cli import main

__all__ = ["main"]
