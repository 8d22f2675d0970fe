"""What provider webhooks accept before anything is parsed or looked up."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

#: Larger webhook bodies are refused before parsing (providers send a few KB).
MAX_WEBHOOK_BODY_BYTES = 64 * 1024


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def has_nul_byte(request: HttpRequest) -> bool:
    """Whether a text (non-multipart) body holds a NUL byte, raw or as a JSON escape.

    Multipart bodies (inbound mail with attachments) may carry binary parts: not checked.
    """
    if request.content_type.startswith("multipart/"):
        return False
    body = request.body
    return b"\x00" in body or b"\\u0000" in body


def refuse_malformed(request: HttpRequest) -> HttpResponse | None:
    """The 4xx answer for a form-encoded webhook request that cannot be valid, else ``None``.

    413 for a body over :data:`MAX_WEBHOOK_BODY_BYTES`; 400 for a ``Content-Length`` that is
    not a number, or a field holding a NUL byte (no provider sends one, and PostgreSQL
    refuses it in a query: it must not reach the database).
    """
    length = _declared_length(request)
    if length is None or length < 0:
        return HttpResponse("Invalid Content-Length.", status=400, content_type="text/plain")
    if length > MAX_WEBHOOK_BODY_BYTES:
        return HttpResponse("Payload too large.", status=413, content_type="text/plain")
    if any("\x00" in key or "\x00" in value for key, value in request.POST.items()):
        return HttpResponse("Malformed webhook body.", status=400, content_type="text/plain")
    return None
