"""The preferences endpoints: the requesting user's category-by-channel matrix, read and
changed through the preferences API (``django_notification_system.preferences``)."""

from __future__ import annotations

from django.db import transaction
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from .. import preferences
from ..models.preference import FREQUENCIES


class PreferenceChangeSerializer(serializers.Serializer):
    """One change: turn (``category``, ``channel``) on or off and/or set its digest
    ``frequency``; ``"*"`` (the default) is all. At least one of the two is given."""

    category = serializers.CharField(required=False, default=preferences.ANY, max_length=64)
    channel = serializers.CharField(required=False, default=preferences.ANY, max_length=128)
    enabled = serializers.BooleanField(required=False)
    frequency = serializers.ChoiceField(choices=FREQUENCIES, required=False)

    def validate(self, attrs: dict) -> dict:
        if "enabled" not in attrs and "frequency" not in attrs:
            raise serializers.ValidationError("Give enabled, frequency or both.")
        return attrs


class PreferencesPatchSerializer(serializers.Serializer):
    """``PATCH preferences/``: changes applied in order, all or none."""

    changes = PreferenceChangeSerializer(many=True, allow_empty=False, max_length=100)


class PreferencesView(generics.GenericAPIView):
    """``GET preferences/``: the matrix; ``PATCH preferences/``: change it, get it back.

    The matrix is :meth:`PreferenceMatrix.as_dict`: ``channels``, ``opted_out`` and one
    entry per category with each channel's ``enabled``, ``locked``, ``reason``,
    ``frequency`` and ``frequency_locked``. A change is ``{"category", "channel",
    "enabled", "frequency"}`` (``enabled`` or ``frequency`` may be left out, not both). A
    change the preferences API refuses (unknown category, channel or frequency, a locked
    cell) is a ``400`` naming it, and none of the request's changes is kept.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = PreferencesPatchSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="Preferences", tags=["preferences"])

    def get(self, request: Request) -> Response:
        return Response(preferences.preferences_for(request.user).as_dict())

    def patch(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                for change in serializer.validated_data["changes"]:
                    preferences.set_preference(request.user, **change)
        except ValueError as exc:
            raise ValidationError({"changes": [str(exc)]}) from None
        return Response(preferences.preferences_for(request.user).as_dict())
