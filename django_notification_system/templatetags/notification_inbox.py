"""``{% load notification_inbox %}``: Django finds tag libraries here; they live in ``inbox``."""

from ..inbox.template_tags import register

__all__ = ["register"]
