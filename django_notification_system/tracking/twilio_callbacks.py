"""Twilio StatusCallback receiver: authenticated with ``X-Twilio-Signature``.

Twilio posts the message's status as it progresses (queued, sent, delivered,
undelivered, failed). Final failures are classified by ``ErrorCode`` with the table
below and applied through :mod:`django_notification_system.tracking`.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import conf
from ..exceptions import MissingDependency
from ..notification_handlers import twilio as handler
from ..notification_handlers.base import InactiveAddress, OptedOut
from .reports import Effect, ProviderReport, apply_report
from .webhook_input import refuse_malformed

logger = logging.getLogger(__name__)

#: Error codes that only appear in status callbacks (delivery failed after Twilio accepted
#: the message). Codes the API itself returns are classified by the handler's table.
CALLBACK_ERROR_CODES: dict[int, Effect] = {
    30005: Effect.INACTIVE,  # unknown destination handset
    30006: Effect.INACTIVE,  # landline or unreachable carrier
    30003: Effect.FAILED,  # unreachable handset (switched off, no coverage)
    30004: Effect.FAILED,  # message blocked
    30007: Effect.FAILED,  # filtered by the carrier
    30008: Effect.FAILED,  # unknown error
}
_OUTCOME_EFFECTS = {OptedOut: Effect.OPTED_OUT, InactiveAddress: Effect.INACTIVE}


def effect_for_error_code(error_code: str) -> Effect:
    """What an undelivered/failed callback's ``ErrorCode`` does to the notification."""
    try:
        code = int(error_code)
    except (TypeError, ValueError):
        return Effect.FAILED
    if code in CALLBACK_ERROR_CODES:
        return CALLBACK_ERROR_CODES[code]
    return _OUTCOME_EFFECTS.get(handler.ERROR_CODES.get(code), Effect.FAILED)


#: Twilio MessageStatus values this receiver records; others are logged and ignored.
IN_FLIGHT_STATUSES = ("accepted", "scheduled", "queued", "sending", "sent")
FAILED_STATUSES = ("undelivered", "failed")


def report_for(message_sid: str, message_status: str, error_code: str) -> ProviderReport | None:
    """The report a status callback stands for, or ``None`` for a status we do not track."""
    if message_status == "delivered":
        return ProviderReport(message_sid, "delivered")
    if message_status in IN_FLIGHT_STATUSES:
        return ProviderReport(message_sid, message_status)
    if message_status in FAILED_STATUSES:
        effect = effect_for_error_code(error_code)
        error = f"Twilio {message_status}" + (f" (error {error_code})" if error_code else "")
        return ProviderReport(message_sid, message_status, effect, error)
    return None


def _signature_is_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    try:
        from twilio import request_validator
    except ImportError:
        logger.error("%s", MissingDependency("twilio", "twilio"))
        return False
    try:
        auth_token = conf.target_option("twilio_sms", "auth_token")
        base_url = conf.public_base_url()
    except ImproperlyConfigured as exc:
        logger.error("Twilio status callback refused: %s", exc)
        return False
    url = base_url + request.get_full_path() if base_url else request.build_absolute_uri()
    validator = request_validator.RequestValidator(auth_token)
    settings_header = request.headers.get("X-Twilio-Webhooks-Signature-Settings")
    get_algorithm = getattr(request_validator, "get_signature_algorithm", None)
    if settings_header and get_algorithm is not None:
        return validator.validate(url, request.POST, signature, get_algorithm(settings_header))
    return validator.validate(url, request.POST, signature)


@csrf_exempt
@require_POST
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    """Apply one Twilio status callback; 403 unless Twilio's signature is valid."""
    refused = refuse_malformed(request)
    if refused is not None:
        return refused
    if not _signature_is_valid(request):
        logger.warning("Twilio status callback with a missing or invalid signature refused")
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    message_sid = request.POST.get("MessageSid", "")
    message_status = request.POST.get("MessageStatus", "")
    if not message_sid or not message_status:
        return HttpResponse(
            "MessageSid and MessageStatus are required.", status=400, content_type="text/plain"
        )
    report = report_for(message_sid, message_status.lower(), request.POST.get("ErrorCode", ""))
    if report is None:
        logger.info("Twilio status %r ignored", message_status[:32])
    elif not apply_report(report, module_name="twilio"):
        logger.debug("Twilio status callback changed nothing (unknown or repeated)")
    return HttpResponse(status=204)
