"""Pigeon Post: a worked example of a custom channel's handler (see docs/extending.rst).

Pigeon Post is a made-up HTTP API that takes a whole batch of messages in one request::

    POST {base_url}/v1/flights        Authorization: Bearer {api_key}
    {"messages": [{"loft": "...", "title": "...", "body": "..."}, ...]}

    200 {"results": [{"status": "accepted", "id": "..."}, {"status": "storm"}, ...]}

The handler only translates: notifications into one request, each result into one
``Outcome``. The dispatcher claims the rows, calls ``send_batch`` with no transaction
open, and records the outcomes in bulk; a handler never saves models.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import timedelta

from django_notification_system import conf
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Outcome,
    Retry,
)

logger = logging.getLogger(__name__)

#: The key of this channel's options in ``NOTIFICATION_SYSTEM_TARGETS``.
CHANNEL = "pigeon_post"
#: Its options, so ``manage.py check`` reports unknown and missing ones by name.
OPTIONS = ("base_url", "api_key", "timeout")
REQUIRED_OPTIONS = ("base_url", "api_key")

#: Pigeon Post result codes and what they mean for us; any other code is a failure.
RESULT_OUTCOMES = {
    "storm": Retry,  # transient: the loft will fly it later
    "unknown_loft": InactiveAddress,  # the address is dead: deactivate the record
    "refused": OptedOut,  # the recipient asked for no more pigeons
    "invalid": Failed,  # bad payload: never retried
}

#: HTTP statuses worth another try; any other error status fails the batch for good.
RETRYABLE_HTTP_STATUSES = {408, 429, 500, 502, 503, 504}


def send_batch(notifications: Sequence) -> list[Outcome]:
    """Send every notification in one request; return one outcome each, in order."""
    if not notifications:
        return []
    try:
        results = post_flights([message(n) for n in notifications])
    except urllib.error.HTTPError as exc:
        return [outcome_of_http_error(exc)] * len(notifications)
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
        logger.warning("pigeon post unreachable for %d notifications", len(notifications))
        return [Retry(error=f"Pigeon Post unreachable: {type(exc).__name__}")] * len(notifications)
    if len(results) != len(notifications):
        # We cannot tell which messages flew; retrying could send some twice.
        error = f"Pigeon Post answered {len(results)} results for {len(notifications)} messages"
        return [Failed(error=error)] * len(notifications)
    return [outcome_of_result(result) for result in results]


def message(notification) -> dict:
    """The Pigeon Post message for one notification (the channel's own payload)."""
    return {
        "loft": notification.target_user_record.target_user_id,
        "title": notification.title,
        "body": notification.body,
        "talking_pigeon": bool((notification.extra or {}).get("speak_message")),
    }


def post_flights(messages: list[dict]) -> list[dict]:
    """POST the batch and return the provider's per-message results."""
    base_url = conf.target_option(CHANNEL, "base_url")
    request = urllib.request.Request(
        f"{base_url.rstrip('/')}/v1/flights",
        data=json.dumps({"messages": messages}).encode(),
        headers={
            "Authorization": f"Bearer {conf.target_option(CHANNEL, 'api_key')}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    timeout = conf.target_option(CHANNEL, "timeout", default=10)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)["results"]


def outcome_of_result(result: dict) -> Outcome:
    """Map one provider result onto the closed vocabulary of outcomes."""
    code = result.get("status", "")
    if code == "accepted":
        return Delivered(provider_message_id=str(result.get("id", "")))
    error = f"Pigeon Post: {code or 'no status'}"
    if result.get("detail"):
        error = f"{error} ({result['detail']})"
    return RESULT_OUTCOMES.get(code, Failed)(error=error)


def outcome_of_http_error(exc: urllib.error.HTTPError) -> Outcome:
    """A whole-batch HTTP error: retry transient ones (honouring Retry-After), fail the rest."""
    error = f"Pigeon Post HTTP {exc.code}"
    if exc.code not in RETRYABLE_HTTP_STATUSES:
        return Failed(error=error)
    retry_after = exc.headers.get("Retry-After", "") if exc.headers else ""
    after = timedelta(seconds=int(retry_after)) if retry_after.isdigit() else None
    return Retry(error=error, after=after)
