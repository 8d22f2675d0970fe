"""The in-app feed: what a user sees in their inbox, and their read state.

Every function takes the user whose inbox it reads or changes and touches only that user's
in-app notifications: another user's ids are ignored (counted as not found), never an error
that would tell they exist. Each runs one query.
"""

from .queries import counts, inbox, unread_count, unseen_count, visible_notifications
from .state import archive, mark_all_read, mark_read, mark_seen, mark_unread

__all__ = [
    "archive",
    "counts",
    "inbox",
    "mark_all_read",
    "mark_read",
    "mark_seen",
    "mark_unread",
    "unread_count",
    "unseen_count",
    "visible_notifications",
]
