"""Email handler: Django's configured ``EMAIL_BACKEND`` (SMTP, console, locmem, any anymail ESP),
one connection per batch. ``send_notification`` is the 1.5.3 one-notification function.

Settings: ``NOTIFICATION_SYSTEM_TARGETS["email"]`` (see docs/channels.rst). SMTP replies and
anymail statuses are mapped onto outcomes by the tables below.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import strip_tags

from .. import conf
from ..preferences.unsubscribe import unsubscribe_headers
from .base import Delivered, Failed, InactiveAddress, Outcome, Retry
from .errors import describe, log_failure, outcome_for_http_status, redacted_reason

logger = logging.getLogger(__name__)

#: This handler reads only the record's address, never its user (see dispatch docs).
NEEDS_USER = False

CHANNEL = "email"

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


def build_message(notification, sender: str, connection) -> EmailMultiAlternatives:
    """Subject = title, HTML body = body plus a plain-text alternative; ``extra`` applied;
    one-click unsubscribe headers for a categorised notification (RFC 8058)."""
    extra = notification.extra if isinstance(notification.extra, dict) else {}
    message = EmailMultiAlternatives(
        subject=notification.title,
        body=html_to_text(notification.body),
        from_email=sender,
        to=[notification.target_user_record.target_user_id],
        connection=connection,
        headers={**(extra.get("headers") or {}), **unsubscribe_headers(notification, CHANNEL)},
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
    if isinstance(exc, (ValueError, TypeError)):
        # The message itself cannot be sent (a header with a line break, an invalid address,
        # an unencodable value): sending it again would fail the same way.
        return Failed(error), False
    log_failure(
        logger,
        "email: unexpected error; the notification will be retried",
        exc=exc,
        known=(address, getattr(message, "subject", "")),
    )
    return Retry(error), False


def _connection_options() -> dict[str, Any]:
    timeout = conf.target_option(CHANNEL, "timeout", None)
    return {} if timeout is None else {"timeout": timeout}


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception as exc:
        logger.warning("email: closing the connection failed (%s)", redacted_reason(exc))


def _send_one(connection, notification, sender: str) -> tuple[Outcome, bool]:
    address = notification.target_user_record.target_user_id
    try:
        message = build_message(notification, sender, connection)
    except (TypeError, ValueError) as exc:
        return Failed(describe(exc)), False
    try:
        sent = connection.send_messages([message])
    except Exception as exc:
        return classify_error(exc, message, address)
    refused = _anymail_recipient_outcome(message, address)
    if refused is not None:
        return refused, False
    if not sent:
        return Failed("The email backend did not send the message"), False
    return Delivered(provider_message_id=_anymail_message_id(message, address)), False


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send every notification over one backend connection; one outcome each, in order.

    A refused recipient does not affect the other messages; a dropped connection is
    reopened once for the rest of the batch, and if that fails the rest are retried.
    """
    if not notifications:
        return []
    sender = from_email()
    connection = get_connection(fail_silently=False, **_connection_options())
    outcomes: list[Outcome] = []
    try:
        connection.open()
    except Exception as exc:
        logger.warning(
            "email: could not connect (%s); retrying %d", type(exc).__name__, len(notifications)
        )
        return [Retry(describe(exc))] * len(notifications)
    try:
        for notification in notifications:
            outcome, broken = _send_one(connection, notification, sender)
            outcomes.append(outcome)
            if broken and len(outcomes) < len(notifications):
                _close_quietly(connection)
                try:
                    connection.open()
                except Exception as exc:
                    remaining = len(notifications) - len(outcomes)
                    outcomes.extend([Retry(describe(exc))] * remaining)
                    break
    finally:
        _close_quietly(connection)
    logger.info(
        "email: %d sent, %d not sent",
        sum(isinstance(o, Delivered) for o in outcomes),
        sum(not isinstance(o, Delivered) for o in outcomes),
    )
    return outcomes


#: 1.5.3's return values of ``send_notification``.
SENT_MESSAGE = "Email Successfully Sent"
NOT_SENT_MESSAGE = "Email could not be sent: {}"


def _has_message_options(notification) -> bool:
    extra = notification.extra if isinstance(notification.extra, dict) else {}
    keys = (*EXTRA_LIST_KEYS, "headers", *EXTRA_ANYMAIL_KEYS)
    return any(extra.get(key) for key in keys)


def _send_single(notification) -> tuple[Outcome, str]:
    """Send one notification; its outcome and the error text 1.5.3 would have shown."""
    sender = from_email()
    if _has_message_options(notification):  # options send_mail cannot carry
        connection = get_connection(fail_silently=False, **_connection_options())
        try:
            outcome, _ = _send_one(connection, notification, sender)
        finally:
            _close_quietly(connection)
        return outcome, outcome.error
    address = notification.target_user_record.target_user_id
    try:
        sent = mail.send_mail(  # looked up now, so that a test patching it is obeyed
            subject=notification.title,
            message=html_to_text(notification.body),
            html_message=notification.body,
            from_email=sender,
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
    from ..dispatch.single import record_outcome  # the dispatcher's recording rules

    outcome, error = _send_single(notification)
    record_outcome(notification, outcome)
    if isinstance(outcome, Delivered):
        return SENT_MESSAGE
    return NOT_SENT_MESSAGE.format(error)
