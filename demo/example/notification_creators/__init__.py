"""Custom channel creators of the demo project (found through NOTIFICATION_SYSTEM_CREATORS)."""
