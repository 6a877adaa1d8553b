"""One ComponentResource per concern of a Dixie deployment (type tokens ``dixie:infra:<ClassName>``).

Every component takes ``(name, args, opts)`` with a frozen dataclass of args, creates its children
with ``ResourceOptions(parent=self)`` only (so a caller's ``protect`` or ``aliases`` never leak into
children), exposes typed attributes for what consumers need and ends with ``register_outputs``.
"""

from __future__ import annotations

import pulumi

TYPE_PREFIX = "dixie:infra"


def child(
    parent: pulumi.Resource,
    *,
    protect: bool = False,
    depends_on: list[pulumi.Resource] | None = None,
    custom_timeouts: pulumi.CustomTimeouts | None = None,
    delete_before_replace: bool | None = None,
) -> pulumi.ResourceOptions:
    """Options for a component's child: parented, and nothing else inherited from the caller."""
    return pulumi.ResourceOptions(
        parent=parent,
        protect=protect,
        depends_on=depends_on,
        custom_timeouts=custom_timeouts,
        delete_before_replace=delete_before_replace,
    )


def invoke_opts(parent: pulumi.Resource) -> pulumi.InvokeOptions:
    """Invokes run with the component's provider (the explicit, account-guarded one)."""
    return pulumi.InvokeOptions(parent=parent)
