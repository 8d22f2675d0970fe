"""The Web Push endpoint: the requesting user's browser subscriptions, registered and
removed through the Web Push creator (``notification_creators.webpush``).

The endpoint URL travels in the request body, never in the query string: it is a bearer
capability for the browser and would otherwise land in access logs.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from ..models.addresses import MAX_SUBSCRIPTION_LENGTH
from ..notification_creators import webpush


class SubscriptionKeysSerializer(serializers.Serializer):
    """``PushSubscription.toJSON().keys``: the browser's public key and auth secret."""

    p256dh = serializers.CharField(max_length=200)
    auth = serializers.CharField(max_length=100)


class SubscriptionSerializer(serializers.Serializer):
    """``PushSubscription.toJSON()`` as the browser gives it (``expirationTime`` ignored)."""

    endpoint = serializers.CharField(max_length=MAX_SUBSCRIPTION_LENGTH)
    keys = SubscriptionKeysSerializer()
    expirationTime = serializers.FloatField(required=False, allow_null=True)


class EndpointSerializer(serializers.Serializer):
    """The endpoint of the subscription to remove."""

    endpoint = serializers.CharField(max_length=MAX_SUBSCRIPTION_LENGTH)


class WebPushSubscriptionsView(generics.GenericAPIView):
    """``POST webpush/subscriptions/``: register this browser's subscription for the user
    (``201 {"id": ...}``; the same endpoint again updates its record; a subscription that is
    not usable is a ``400`` saying why). ``DELETE webpush/subscriptions/`` with
    ``{"endpoint": ...}``: stop pushing to it (``204``); an endpoint the user has not
    registered, another user's included, is a ``404``.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = SubscriptionSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="WebPushSubscription", tags=["webpush"])

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "DELETE":
            return EndpointSerializer
        return SubscriptionSerializer

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            record = webpush.register_subscription(request.user, serializer.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError({"subscription": _messages(exc)}) from None
        return Response({"id": str(record.pk)}, status=status.HTTP_201_CREATED)

    def delete(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = serializer.validated_data["endpoint"]
        if not webpush.unregister_subscription(request.user, endpoint):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


def _messages(exc: DjangoValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [message for messages in exc.message_dict.values() for message in messages]
    return list(exc.messages)
