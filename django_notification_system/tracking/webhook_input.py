"""Limits on what provider webhooks accept before anything is parsed."""

#: Larger webhook bodies are refused before parsing (providers send a few KB).
MAX_WEBHOOK_BODY_BYTES = 64 * 1024
