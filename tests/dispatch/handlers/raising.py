"""A handler that raises for every batch."""


def send_batch(notifications):
    raise RuntimeError("provider exploded")
