"""Settings for a child ``manage.py check``: a fully configured Twilio channel."""

from tests.settings import *  # noqa: F403

NOTIFICATION_SYSTEM_TARGETS = {
    "email": {"from_email": "notifications@example.com"},
    "twilio_sms": {"account_sid": "AC123", "auth_token": "secret", "sender": "+15005550006"},
}
