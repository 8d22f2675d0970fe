"""The public base class of a delivery rule, and the decisions it may return.

A rule looks at a claimed batch and decides, per row, *settle*, *reschedule* or *hold*; a row
it leaves out goes on to the next rule of the chain and, past the last, is sent. See
docs/delivery_rules.rst.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Expression, Q

from ..dispatch.decisions import Decision, Hold, Reschedule, RuleContext, Settle

__all__ = ["Decision", "Hold", "Reschedule", "Rule", "RuleContext", "Scope", "Settle"]


@dataclass(frozen=True)
class Scope:
    """Where a queryset filter (:meth:`Rule.eligible`) is used, for one channel.

    ``user_ref`` is the path from the filtered queryset's model to the user's pk (``"pk"``
    for a queryset of users, ``"user"`` for target user records); ``record_ref`` the path
    to the target user record (``""`` when the queryset *is* of records, ``None`` when it
    has none: then a rule about records asks whether the user has a fitting one).
    ``category`` is the :class:`~django_notification_system.preferences.Category` being
    created (``None`` for none).
    """

    channel: str
    user_ref: str = "pk"
    record_ref: str | None = None
    category: Any = None
    using: str = DEFAULT_DB_ALIAS


class Rule:
    """One link of the delivery-rule chain (``NOTIFICATION_SYSTEM_DELIVERY_RULES``).

    Subclasses set :attr:`name` and implement :meth:`decide`. ``decide`` reads what it
    needs in a constant number of queries per batch (not per row) and writes nothing: the
    dispatcher writes every rule's decisions together, guarded by the claim token. Each
    notification it gets has ``target_user_record`` loaded (``user_id``,
    ``target_user_id``, ``active``) with ``target_user_record.target`` (its
    ``notification_module_name``), and ``category`` and ``scheduled_delivery``: reading
    them costs no query.
    """

    #: The rule's name in logs, reasons and ``process_notifications``'s summary.
    name: ClassVar[str] = ""
    #: The creator's ``SkipReason`` value for a user :meth:`eligible` turns away.
    skip_reason: ClassVar[str] = "preference"
    #: Whether the digest flush asks this rule again about held items before carrying them.
    checked_at_flush: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = cls.__name__

    def decide(self, notifications: Sequence, context: RuleContext) -> Mapping[Any, Decision]:
        """``{notification pk: decision}`` for the rows this rule does not let through."""
        raise NotImplementedError(f"{type(self).__name__} must implement decide()")

    def eligible(self, scope: Scope) -> Q | Expression | None:
        """A SQL condition, true for the rows of ``scope`` this rule lets through, or
        ``None`` when the rule cannot be told in SQL (the default).

        Creation asks the chain's conditions instead of repeating the rules: a user whom
        a condition turns away gets no notification (reported with :attr:`skip_reason`).
        """
        return None

    def before_run(self, context: RuleContext) -> Mapping[str, int]:
        """Called once when a run starts, before its first claim; summary counts."""
        return {}

    def after_run(self, context: RuleContext) -> Mapping[str, int]:
        """Called once when a run ends, after its last batch is recorded; summary counts."""
        return {}
