"""Channel creators: what application code calls to schedule notifications.

``get_creator("email")`` (or a ``NotificationTarget``, or a ``TargetUserRecord``) returns
that channel's ``create_notification``: built-ins first, then ``NOTIFICATION_SYSTEM_CREATORS``.
For many users at once use :func:`.base.create_notifications`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def get_creator(target: Any) -> Callable[..., list]:
    """The ``create_notification`` function serving ``target``.

    ``target`` is a ``notification_module_name`` (``"email"``), a ``NotificationTarget`` or
    a ``TargetUserRecord``. A name nothing provides is a configuration error naming it.
    """
    from ..exceptions import NotificationSystemConfigurationError
    from ..notification_handlers.loading import find_module

    if hasattr(target, "target"):  # a TargetUserRecord
        target = target.target
    name = getattr(target, "notification_module_name", target)
    module = find_module(name, "creators") if isinstance(name, str) else None
    creator = getattr(module, "create_notification", None)
    if not callable(creator):
        raise NotificationSystemConfigurationError(
            f"No creator for notification module {name!r}: it is not built in and no entry of "
            "NOTIFICATION_SYSTEM_CREATORS provides a module with create_notification()"
        )
    return creator
