"""Channel handlers: turn notifications into provider calls and return one Outcome each."""
