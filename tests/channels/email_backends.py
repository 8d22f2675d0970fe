"""A locmem email backend that counts connections, to prove one connection per batch."""

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
