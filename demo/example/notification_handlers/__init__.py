"""Custom channel handlers of the demo project (found through NOTIFICATION_SYSTEM_HANDLERS)."""
