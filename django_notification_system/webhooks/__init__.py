"""Provider webhooks: Twilio status callbacks and the anymail tracking receiver."""

#: Larger webhook bodies are refused before parsing (providers send a few KB).
MAX_WEBHOOK_BODY_BYTES = 64 * 1024
