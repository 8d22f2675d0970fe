"""Shared base for every model: a UUID primary key and created/modified dates."""

import uuid

import django
from django.db import models


class CreatedModifiedAbstractModel(models.Model):
    """UUID primary key plus ``created_date`` / ``modified_date``, as in 1.5.3.

    ``modified_date`` is ``auto_now``; bulk updates on the dispatch path set it
    explicitly because ``QuerySet.update()`` does not.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_date = models.DateTimeField(auto_now_add=True)
    modified_date = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def check_constraint(condition: models.Q, name: str) -> models.CheckConstraint:
    """A ``CheckConstraint`` on both Django 4.2 (``check=``) and 5.1+ (``condition=``)."""
    keyword = "condition" if django.VERSION >= (5, 1) else "check"
    return models.CheckConstraint(name=name, **{keyword: condition})
