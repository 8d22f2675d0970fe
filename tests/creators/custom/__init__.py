"""Custom creator modules for the finder tests (dotted-path entries)."""
