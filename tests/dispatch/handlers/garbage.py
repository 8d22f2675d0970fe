"""A handler that answers with the wrong number of outcomes."""


def send_batch(notifications):
    return ["not an outcome"]
