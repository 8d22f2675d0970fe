"""Delivery rules: one chain decides, per claimed row, send, settle, reschedule or hold.

``NOTIFICATION_SYSTEM_DELIVERY_RULES`` (default :data:`DEFAULT_RULES`) lists the rules by
dotted path; a project adds its own with ``[*DEFAULT_RULES, "myapp.rules.DailyCap"]``.
See docs/delivery_rules.rst.
"""

from .base import Decision, Hold, Reschedule, Rule, RuleContext, Scope, Settle

#: The built-in chain, in order: who must get nothing (opt-out, preferences, a dead
#: address) before when (quiet hours, digests) before how many (throttles).
DEFAULT_RULES = [
    "django_notification_system.rules.opt_out.OptOut",
    "django_notification_system.preferences.rules.PreferenceTurnedOff",
    "django_notification_system.rules.opt_out.InactiveRecord",
    "django_notification_system.quiet_hours.rules.QuietHours",
    "django_notification_system.digests.rules.DigestHold",
    "django_notification_system.digests.rules.Throttle",
]

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
