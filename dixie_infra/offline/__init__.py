"""Run the Pulumi program in-process under Pulumi's mock runtime: no AWS, no CLI, no plugins.

Used by the tests, the tools (``scripts.adopt``) and ``make plan`` (``python -m dixie_infra.offline``).

- :mod:`~dixie_infra.offline.record`: what a run recorded (resources, outputs) and readers over it;
- :mod:`~dixie_infra.offline.mocks`: placeholder answers shaped like AWS's;
- :mod:`~dixie_infra.offline.runner`: the run itself, the only module on Pulumi's private APIs;
- :mod:`~dixie_infra.offline.plan`: the ``make plan`` report.

Ids, ARNs and endpoints in a result are placeholders made up by the mocks; they look like AWS's so
that formats can be checked, but they name nothing real.
"""

from dixie_infra.offline.mocks import PLACEHOLDER_ACCOUNT, SECRET_PLACEHOLDER, OfflineMocks
from dixie_infra.offline.record import (
    MASK,
    STACK_TYPE,
    Evaluation,
    Resource,
    is_secret,
    iter_secret_strings,
    mask,
    unwrap,
)
from dixie_infra.offline.runner import RecordingMonitor, evaluate, flatten_config, stack_config

__all__ = [
    "MASK",
    "PLACEHOLDER_ACCOUNT",
    "SECRET_PLACEHOLDER",
    "STACK_TYPE",
    "Evaluation",
    "OfflineMocks",
    "RecordingMonitor",
    "Resource",
    "evaluate",
    "flatten_config",
    "is_secret",
    "iter_secret_strings",
    "mask",
    "stack_config",
    "unwrap",
]
