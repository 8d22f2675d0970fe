"""Signals sent by django-notification-system. Receivers must not raise."""

from django.dispatch import Signal

#: Sent after a provider's later report (Expo receipt, Twilio status callback, ESP
#: tracking event) changed notifications, once the change is committed. Arguments:
#: ``notification_ids`` (list of primary keys), ``provider_status`` (e.g.
#: ``"delivered"``, ``"bounced"``), ``effect`` (``"record"``, ``"failed"``,
#: ``"inactive"``, ``"opted_out"`` or ``"deactivate"``) and ``error`` (text, may be empty).
provider_report_applied = Signal()
