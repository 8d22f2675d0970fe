"""Email backends for the tests: one counts connections, one fails every send."""

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class CountingBackend(LocmemBackend):
    opened = 0
    closed = 0
    send_calls = 0

    def open(self):
        type(self).opened += 1
        return True

    def close(self):
        type(self).closed += 1

    def send_messages(self, messages):
        type(self).send_calls += 1
        return super().send_messages(messages)


class ExplodingBackend(LocmemBackend):
    """Fails every send with an error that quotes the recipients and the subject, as
    third-party backends' messages often do."""

    def send_messages(self, messages):
        message = messages[0]
        raise RuntimeError(f"cannot deliver {message.subject!r} to {', '.join(message.to)}")
