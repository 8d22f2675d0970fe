"""A new-style test handler whose outcome per row is written in ``notification.extra``."""

from datetime import timedelta

from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Retry,
)


def outcome_for(notification):
    script = notification.extra or {}
    kind = script.get("outcome", "delivered")
    error = script.get("error", f"scripted {kind}")
    if kind == "delivered":
        return Delivered(provider_message_id=script.get("provider_message_id", ""))
    if kind == "retry":
        after = script.get("after_minutes")
        return Retry(error, after=timedelta(minutes=after) if after else None)
    return {"failed": Failed, "inactive": InactiveAddress, "opted_out": OptedOut}[kind](error)


def send_batch(notifications):
    return [outcome_for(n) for n in notifications]
