"""Channel creators: what application code calls to schedule notifications."""
