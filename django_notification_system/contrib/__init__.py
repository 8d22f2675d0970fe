"""Integrations with optional third-party packages; the core never imports them."""
