"""Custom rules the tests add to the chain by dotted path."""

from __future__ import annotations

from datetime import timedelta

from django_notification_system.models import Notification
from django_notification_system.rules import Reschedule, Rule, Settle

#: What each rule saw, by rule name: the pks handed to ``decide``, batch by batch.
SEEN: dict[str, list[list]] = {}


def _seen(rule: Rule, notifications) -> None:
    SEEN.setdefault(rule.name, []).append([n.pk for n in notifications])


class CancelOdd(Rule):
    """Settles the rows whose title ends in an odd digit CANCELLED."""

    name = "cancel odd"

    def decide(self, notifications, context):
        _seen(self, notifications)
        return {
            n.pk: Settle(Notification.CANCELLED, "odd one out")
            for n in notifications
            if n.title[-1] in "13579"
        }


class LaterAll(Rule):
    """Reschedules every row it sees by one hour."""

    name = "later"

    def decide(self, notifications, context):
        _seen(self, notifications)
        until = context.now + timedelta(hours=1)
        return {n.pk: Reschedule(until, "later, please", key="LATER") for n in notifications}


class Boom(Rule):
    """Raises on every batch."""

    name = "boom"

    def decide(self, notifications, context):
        raise RuntimeError("boom")


class NotARule:
    def decide(self, notifications, context):
        return {}
