"""Receiver of anymail's ``tracking`` signal: ESP delivery events flow back.

Connected by the app config only when django-anymail is installed. Anymail's own
webhook views authenticate the ESP (``ANYMAIL["WEBHOOK_SECRET"]`` basic auth, or
the ESP's signature) before this receiver ever runs.
"""

from __future__ import annotations

import logging

from .reports import Effect, ProviderReport, apply_report

logger = logging.getLogger(__name__)

#: anymail event type -> (provider status, effect). Other events are ignored.
EVENT_EFFECTS: dict[str, tuple[str, Effect]] = {
    "delivered": ("delivered", Effect.RECORD),
    "bounced": ("bounced", Effect.BOUNCED),
    "rejected": ("rejected", Effect.BOUNCED),
    # A spam complaint: stop emailing that address; the message itself was delivered.
    "complained": ("complained", Effect.DEACTIVATE),
    "failed": ("failed", Effect.FAILED),
}


def report_for_event(event) -> ProviderReport | None:
    """The report an ``AnymailTrackingEvent`` stands for, or ``None`` if not tracked."""
    mapped = EVENT_EFFECTS.get(str(event.event_type))
    if mapped is None or not event.message_id:
        return None
    provider_status, effect = mapped
    reason = str(event.reject_reason or "")
    description = str(event.description or "")[:500]
    error = f"{event.event_type}" + (f" ({reason})" if reason else "")
    if description:
        error += f": {description}"
    return ProviderReport(
        provider_message_id=str(event.message_id),
        provider_status=provider_status,
        effect=effect,
        error=error,
        at=event.timestamp,
    )


def handle_tracking_event(sender, event, esp_name: str, **kwargs) -> None:
    """Apply a tracking event to the email notification with that message id."""
    report = report_for_event(event)
    if report is None:
        logger.debug("%s tracking event %s ignored", esp_name, event.event_type)
        return
    apply_report(report, module_name="email")


def connect() -> bool:
    """Connect the receiver if anymail is installed; returns whether it was."""
    try:
        from anymail.signals import tracking
    except ImportError:
        return False
    tracking.connect(handle_tracking_event, dispatch_uid="django_notification_system.anymail")
    return True
