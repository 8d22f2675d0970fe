"""What the inbox endpoints read and write."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Notification


class InboxItemSerializer(serializers.ModelSerializer):
    """One inbox item; ``created`` is when it appeared in the inbox (its scheduled delivery).

    ``group_count`` is how many notifications the item stands for (1 unless it is a group's
    item, see ``group_key``) and ``actors`` who caused them, newest first.
    """

    created = serializers.DateTimeField(source="scheduled_delivery", read_only=True)
    actors = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "title",
            "body",
            "category",
            "url",
            "created",
            "read_at",
            "seen_at",
            "group_count",
            "actors",
        ]
        read_only_fields = fields


class CountsSerializer(serializers.Serializer):
    """The badge figures."""

    unread = serializers.IntegerField()
    unseen = serializers.IntegerField()


class ChangedSerializer(serializers.Serializer):
    """How many notifications a state change touched."""

    updated = serializers.IntegerField()


class MarkAllReadSerializer(serializers.Serializer):
    """``before``: the newest item the user was shown (its id) or a date-time; ``category``:
    that category's items only (a list filtered by category); both optional."""

    before = serializers.CharField(required=False, allow_blank=False)
    category = serializers.CharField(required=False, allow_blank=False, max_length=64)


class MarkSeenSerializer(serializers.Serializer):
    """``ids``: the items to mark seen; without it every unseen item is marked."""

    ids = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=1000)
