"""Email handler on the :class:`~.base.ChannelHandler` pipeline: Django's configured
``EMAIL_BACKEND`` (SMTP, console, locmem, any anymail ESP), one message per call, each
sender's connection opened once per run. ``send_notification`` is the 1.5.3 function.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["email"]`` (see docs/channels.rst). SMTP replies and
anymail statuses are mapped onto outcomes by the tables below.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from email.errors import MessageError as EmailMessageError
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import strip_tags

from .. import conf
from ..conf import provider_timeout
from ..models.extra import check_headers
from ..models.notification import check_title_characters
from .base import (
    ChannelHandler,
    Delivered,
    Failed,
    InactiveAddress,
    Outcome,
    Retry,
    message_headers,
    record_outcome,
)
from .errors import describe, log_failure, outcome_for_http_status

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "email"
#: Seconds per connection operation when the backend sets none (Django's EMAIL_TIMEOUT
#: defaults to no timeout at all); well under NOTIFICATION_SYSTEM_HANDLER_TIMEOUT.
DEFAULT_TIMEOUT = 10
#: Connections a batch is sent over at once. Most relays and ESPs accept 10 concurrent
#: connections from one client (Postfix allows 50 by default); see docs/channels.rst.
DEFAULT_CONCURRENCY = 10

#: RFC 3463 enhanced status codes that mean the mailbox or domain does not exist.
DEAD_ADDRESS_STATUS_CODES = {"5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1"}
#: Basic SMTP reply codes that mean the same, for servers that send no enhanced code.
DEAD_ADDRESS_REPLY_CODES = {550, 551, 553}

#: anymail per-recipient status -> outcome. "sent", "queued", "scheduled" and "unknown"
#: mean the ESP accepted the message.
ANYMAIL_STATUSES: dict[str, type] = {
    "invalid": InactiveAddress,  # the ESP says the address cannot receive mail
    "rejected": Failed,  # the ESP refused it (suppression list, policy)
    "failed": Retry,  # the ESP could not send it this time
}

#: ``extra`` keys copied onto the message. tags/metadata are read by anymail backends only.
EXTRA_LIST_KEYS = ("reply_to", "cc", "bcc")
EXTRA_ANYMAIL_KEYS = ("tags", "metadata")

_ENHANCED_CODE = re.compile(rb"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
_BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|h[1-6]|li|tr|table|blockquote)>")


def from_email() -> str:
    """``NOTIFICATION_SYSTEM_TARGETS["email"]["from_email"]``, else ``DEFAULT_FROM_EMAIL``."""
    return conf.target_option(CHANNEL, "from_email", default=settings.DEFAULT_FROM_EMAIL)


def html_to_text(body: str) -> str:
    """A readable plain-text version of an HTML body: line breaks kept, tags and entities gone."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", body)))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def check_sendable(notification) -> None:
    """Raise ``ValueError`` for a subject or ``extra`` header no mail can carry.

    Creation refuses them; this catches rows saved without its checks (1.5.3 code calling
    ``save()``, rows older than the check), which Python's email package would otherwise
    split into injected header lines or that would be retried forever.
    """
    check_title_characters(notification.title)
    check_headers(notification.extra)


def build_message(notification, sender: str, connection) -> EmailMultiAlternatives:
    """Subject = title, HTML body = body plus a plain-text alternative; ``extra`` applied;
    one-click unsubscribe headers for a categorised notification (RFC 8058). ``ValueError``
    for a message that can never be sent (see :func:`check_sendable`)."""
    check_sendable(notification)
    extra = notification.extra if isinstance(notification.extra, dict) else {}
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=html_to_text(notification.body),
        from_email=sender,
        to=[notification.target_user_record.target_user_id],
        connection=connection,
        headers={**(extra.get("headers") or {}), **message_headers(notification, CHANNEL)},
        **{key: _as_list(extra.get(key)) for key in EXTRA_LIST_KEYS},
    )
    message.attach_alternative(notification.body, "text/html")
    for key in EXTRA_ANYMAIL_KEYS:
        if extra.get(key):
            setattr(message, key, extra[key])
    return message


def classify_smtp_reply(code: int, reply: bytes | str) -> Outcome:
    """A recipient's SMTP reply: 4xx -> Retry, dead mailbox -> InactiveAddress, else Failed."""
    reply_bytes = reply.encode() if isinstance(reply, str) else (reply or b"")
    error = f"SMTP {code} {reply_bytes.decode(errors='replace')}".strip()
    if 400 <= code < 500:
        return Retry(error)
    enhanced = _ENHANCED_CODE.match(reply_bytes)
    if enhanced:
        dead = enhanced.group(1).decode() in DEAD_ADDRESS_STATUS_CODES
    else:
        dead = code in DEAD_ADDRESS_REPLY_CODES
    return InactiveAddress(error) if dead else Failed(error)


def _anymail_recipient_outcome(message, address: str) -> Outcome | None:
    """The outcome anymail's per-recipient status gives ``address``; None if it accepted it."""
    status = getattr(message, "anymail_status", None)
    if status is None:
        return None
    recipient = next(
        (s for email, s in status.recipients.items() if email.lower() == address.lower()), None
    )
    outcome = ANYMAIL_STATUSES.get(getattr(recipient, "status", None))
    if outcome is None:
        return None
    return outcome(f"ESP status {recipient.status}")


def _anymail_message_id(message, address: str) -> str:
    status = getattr(message, "anymail_status", None)
    if status is None:
        return ""
    for email, recipient in status.recipients.items():
        if email.lower() == address.lower() and recipient.message_id is not None:
            return str(recipient.message_id)
    message_id = status.message_id
    if isinstance(message_id, set):
        message_id = ",".join(sorted(map(str, message_id)))
    return "" if message_id is None else str(message_id)


def _anymail_exceptions() -> dict[str, type]:
    try:
        from anymail import exceptions
    except ImportError:
        return {}
    return {
        "refused": exceptions.AnymailRecipientsRefused,
        "api": exceptions.AnymailAPIError,
        "base": exceptions.AnymailError,
    }


def classify_error(exc: Exception, message, address: str) -> tuple[Outcome, bool]:
    """Map a send error onto an outcome; the flag says the connection must be reopened."""
    error = describe(exc)
    anymail = _anymail_exceptions()
    if anymail and isinstance(exc, anymail["refused"]):
        return _anymail_recipient_outcome(message, address) or Failed(error), False
    if anymail and isinstance(exc, anymail["api"]):
        return outcome_for_http_status(getattr(exc, "status_code", None), error), False
    if anymail and isinstance(exc, anymail["base"]):
        return Failed(error), False  # unsupported feature, unserialisable data, bad address
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = {k.lower(): v for k, v in exc.recipients.items()}
        code, reply = replies.get(address.lower()) or next(iter(replies.values()), (550, b""))
        return classify_smtp_reply(code, reply), code == 421  # 421: the server hung up
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Retry(error), True
    if isinstance(exc, smtplib.SMTPDataError):
        return classify_smtp_reply(exc.smtp_code, exc.smtp_error), exc.smtp_code == 421
    if isinstance(exc, smtplib.SMTPResponseException):
        outcome = Retry(error) if 400 <= exc.smtp_code < 500 else Failed(error)
        return outcome, exc.smtp_code == 421
    if isinstance(exc, OSError):  # refused connection, reset, timeout
        return Retry(error), True
    if isinstance(exc, (ValueError, TypeError, EmailMessageError)):
        # The message itself cannot be sent (a header with a line break, an invalid address,
        # an unencodable value, Python's HeaderWriteError): sending it again would fail the
        # same way.
        return Failed(error), False
    log_failure(
        logger,
        "email: unexpected error; the notification will be retried",
        exc=exc,
        known=(address, getattr(message, "subject", "")),
    )
    return Retry(error), False


def email_timeout() -> float:
    """``NOTIFICATION_SYSTEM_TARGETS["email"]["timeout"]``: seconds per connection operation."""
    return provider_timeout(CHANNEL, DEFAULT_TIMEOUT)


def open_connection():
    """A connection of the configured ``EMAIL_BACKEND``, opened.

    A backend with no timeout of its own (Django's SMTP backend when ``EMAIL_TIMEOUT`` is
    unset) gets ``email_timeout()``, so a frozen relay fails one operation, never the
    whole batch; an explicit ``timeout`` option applies to any backend that has one.
    """
    connection = get_connection(fail_silently=False)
    explicit = conf.target_option(CHANNEL, "timeout", None) is not None
    if hasattr(connection, "timeout") and (explicit or connection.timeout is None):
        connection.timeout = email_timeout()
    with within(connection, email_timeout()):  # STARTTLS, AUTH: one call's time at most
        connection.open()
    return connection


@contextmanager
def within(connection, seconds: float) -> Iterator[None]:
    """Bound everything inside to ``seconds``: a message is several SMTP round trips, each
    under the connection's timeout, and together they must still fit one call's timeout.
    Past it, the SMTP socket is shut down, so the round trip in progress fails at once
    (the message is then retried and the connection replaced). Only a backend that holds
    a socket connection (Django's SMTP backend) gets the timer: the others (locmem, an
    ESP's HTTP API through anymail) bound their own calls, and a thread per message would
    only cost time on the hot path."""
    if not hasattr(connection, "connection"):
        yield
        return

    def abort() -> None:
        sock = getattr(getattr(connection, "connection", None), "sock", None)
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(seconds, abort)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


class EmailHandler(ChannelHandler):
    """One message per call over a connection kept for the run (SMTP, console, anymail...).

    A refused recipient affects only its message; a broken connection raises, so the
    pipeline closes it and the sender opens another.
    """

    channel = CHANNEL
    concurrency = DEFAULT_CONCURRENCY
    timeout = DEFAULT_TIMEOUT

    def open(self) -> None:
        self.sender = from_email()
        self.connection = open_connection()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def send(self, notification) -> Outcome:
        address = notification.target_user_record.target_user_id
        try:
            message = build_message(notification, self.sender, self.connection)
        except (TypeError, ValueError) as exc:
            return Failed(describe(exc))
        try:
            with within(self.connection, self.timeout):
                sent = self.connection.send_messages([message])
        except Exception as exc:
            outcome, broken = classify_error(exc, message, address)
            if broken:
                raise
            return outcome
        refused = _anymail_recipient_outcome(message, address)
        if refused is not None:
            return refused
        if not sent:
            return Failed("The email backend did not send the message")
        return Delivered(provider_message_id=_anymail_message_id(message, address))

    def classify(self, exc: Exception) -> Outcome:
        return classify_error(exc, None, "")[0]


Handler = EmailHandler
#: The run's open connections (opened ``EmailHandler`` instances), shared by the senders.
POOL = EmailHandler.pool()


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send the batch over ``concurrency`` connections at once; one outcome each, in order.

    Connections are opened on first use and, during a dispatcher run, kept open for the
    run's later batches; called on its own, the call closes them before returning.
    """
    return EmailHandler.send_batch(notifications)


#: 1.5.3's return values of ``send_notification``.
SENT_MESSAGE = "Email Successfully Sent"
NOT_SENT_MESSAGE = "Email could not be sent: {}"


def _has_message_options(notification) -> bool:
    extra = notification.extra if isinstance(notification.extra, dict) else {}
    keys = (*EXTRA_LIST_KEYS, "headers", *EXTRA_ANYMAIL_KEYS)
    return any(extra.get(key) for key in keys)


def _send_single(notification) -> tuple[Outcome, str]:
    """Send one notification; its outcome and the error text 1.5.3 would have shown."""
    if _has_message_options(notification):  # options send_mail cannot carry
        outcome, _ = EmailHandler.send_now(notification)
        return outcome, outcome.error
    address = notification.target_user_record.target_user_id
    try:
        check_sendable(notification)
        sent = mail.send_mail(  # looked up now, so that a test patching it is obeyed
            subject=notification.title,
            message=html_to_text(notification.body),
            html_message=notification.body,
            from_email=from_email(),
            recipient_list=[address],
            fail_silently=False,
        )
    except Exception as exc:
        outcome, _ = classify_error(exc, None, address)
        return outcome, str(exc)
    if not sent:
        failed = Failed("The email backend did not send the message")
        return failed, failed.error
    return Delivered(), ""


def send_notification(notification) -> str:
    """Send one notification now and save the result on it (the 1.5.3 function, kept).

    As in 1.5.3 it goes through ``django.core.mail.send_mail`` (the message a notification
    with ``reply_to``/``cc``/``bcc``/``headers``/``tags``/``metadata`` in ``extra`` needs is
    sent as ``send_batch`` builds it, since ``send_mail`` cannot carry them). Errors are
    classified as in ``send_batch`` and the row is saved by the dispatcher's rules (status,
    ``attempted_delivery``, retry accounting, a ``DeliveryAttempt``). Returns
    ``"Email Successfully Sent"`` or ``"Email could not be sent: <error>"``. The dispatcher
    does not call this; it uses ``send_batch``.
    """
    outcome, error = _send_single(notification)
    record_outcome(notification, outcome)
    if isinstance(outcome, Delivered):
        return SENT_MESSAGE
    return NOT_SENT_MESSAGE.format(error)
