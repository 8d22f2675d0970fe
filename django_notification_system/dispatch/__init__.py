"""The dispatcher: claim due notifications, hand them to their channel's handler, record
the outcomes. ``dispatch.run.process_notifications`` is the entry point."""
