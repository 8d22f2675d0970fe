"""Compare the live database schema of this app's tables with the current models."""

from __future__ import annotations

from django.apps import apps
from django.db import connection

APP = "django_notification_system"
PENDING_UNIQUE = ["target_user_record_id", "scheduled_delivery", "title", "extra_hash"]


def schema_problems() -> list[str]:
    """Every difference between the models and the tables, as readable lines (none: equal)."""
    problems = []
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_app_config(APP).get_models():
            table = model._meta.db_table
            if table not in tables:
                problems.append(f"{table}: missing")
                continue
            problems += _column_problems(cursor, model)
            problems += _constraint_problems(cursor, model)
    return problems


def _column_problems(cursor, model) -> list[str]:
    table = model._meta.db_table
    live = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
    fields = {f.column: f for f in model._meta.concrete_fields}
    problems = [f"{table}: columns differ {sorted(live)} != {sorted(fields)}"] * (
        live.keys() != fields.keys()
    )
    for column in live.keys() & fields.keys():
        if bool(live[column].null_ok) != fields[column].null:
            problems.append(f"{table}.{column}: null_ok {live[column].null_ok}")
    return problems


def _constraint_problems(cursor, model) -> list[str]:
    table = model._meta.db_table
    live = connection.introspection.get_constraints(cursor, table)
    problems = []
    for constraint in model._meta.constraints:
        found = live.get(constraint.name)
        kind = "unique" if hasattr(constraint, "fields") else "check"
        if not found or not found[kind]:
            problems.append(f"{table}: {kind} constraint {constraint.name!r} missing")
    for index in model._meta.indexes:
        if index.name not in live or not live[index.name]["index"]:
            problems.append(f"{table}: index {index.name!r} missing")
    for field in model._meta.concrete_fields:
        if field.remote_field and not any(
            c["foreign_key"] and c["columns"] == [field.column] for c in live.values()
        ):
            problems.append(f"{table}.{field.column}: no foreign key")
    if model._meta.model_name == "notification":
        uniques = [n for n, c in live.items() if c["unique"] and c["columns"] == PENDING_UNIQUE]
        if uniques != ["dns_notification_unique_pending"]:
            problems.append(f"{table}: unique constraints on {PENDING_UNIQUE}: {uniques}")
    return problems
