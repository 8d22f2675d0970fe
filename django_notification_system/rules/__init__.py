"""Delivery rules: one chain decides, per claimed row, send, settle, reschedule or hold.

``NOTIFICATION_SYSTEM_DELIVERY_RULES`` (default :data:`DEFAULT_RULES`) lists the rules by
dotted path; a project adds its own with ``[*DEFAULT_RULES, "myapp.rules.DailyCap"]``.
See docs/delivery_rules.rst.
"""

from ..conf import DEFAULT_DELIVERY_RULES
from .base import Decision, Hold, Reschedule, Rule, RuleContext, Scope, Settle

#: The built-in chain, in order; declared with the setting (see ``conf.registry``).
DEFAULT_RULES = DEFAULT_DELIVERY_RULES

__all__ = [
    "DEFAULT_RULES",
    "Decision",
    "Hold",
    "Reschedule",
    "Rule",
    "RuleContext",
    "Scope",
    "Settle",
]
