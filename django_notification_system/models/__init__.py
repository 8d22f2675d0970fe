"""The documented models: targets, target user records, opt-outs, notifications,
plus the per-attempt delivery log, per-category preferences and per-user settings
(time zone, quiet hours)."""

from .attempt import DeliveryAttempt
from .digest_window import DigestWindow
from .notification import Notification
from .opt_out import NotificationOptOut
from .preference import NotificationPreference
from .target import NotificationTarget
from .target_user_record import TargetUserRecord
from .user_settings import NotificationUserSettings

__all__ = [
    "DeliveryAttempt",
    "DigestWindow",
    "Notification",
    "NotificationOptOut",
    "NotificationPreference",
    "NotificationTarget",
    "NotificationUserSettings",
    "TargetUserRecord",
]
