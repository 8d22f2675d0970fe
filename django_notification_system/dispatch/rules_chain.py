"""The delivery-rule chain as the dispatcher runs it, loaded from a setting by dotted path.

``NOTIFICATION_SYSTEM_DELIVERY_RULES`` lists the rules (default
``django_notification_system.rules.DEFAULT_RULES``). The dispatcher imports none of them:
the chain is resolved with ``import_string`` when a run starts (so ``override_settings``
works) and kept for that run. Each batch goes through the rules in order; the first rule
that decides for a row wins, and a row a rule decided is not shown to the rules after it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .. import conf
from ..models import Notification
from .decisions import Decision, RuleContext

logger = logging.getLogger(__name__)

SETTING = "NOTIFICATION_SYSTEM_DELIVERY_RULES"


def rule_paths() -> list[str]:
    """The configured rule paths, read now (an error naming the setting when malformed)."""
    return conf.delivery_rules()


def rule_name(rule) -> str:
    """The name a rule goes by in reasons, logs and the run's summary."""
    return getattr(rule, "name", "") or type(rule).__name__


class RuleFailed(Exception):
    """A rule raised while deciding a batch; ``rule`` names it."""

    def __init__(self, rule: str, error: BaseException) -> None:
        super().__init__(f"delivery rule {rule!r} raised {type(error).__name__}")
        self.rule = rule
        self.error = error


@dataclass
class RuleChain:
    """The rule instances of one run, in order."""

    rules: list = field(default_factory=list)

    @classmethod
    def load(cls, paths: Sequence[str] | None = None) -> RuleChain:
        """Import and instantiate every rule; ``ImproperlyConfigured`` naming a bad path."""
        rules = []
        for path in rule_paths() if paths is None else paths:
            try:
                rule_class = import_string(path)
            except ImportError as exc:
                raise ImproperlyConfigured(f"{SETTING}: {path!r} does not import ({exc})") from exc
            if not isinstance(rule_class, type) or not callable(
                getattr(rule_class, "decide", None)
            ):
                raise ImproperlyConfigured(f"{SETTING}: {path!r} is not a delivery rule class")
            rules.append(rule_class())
        return cls(rules)

    def decide(
        self, notifications: Sequence[Notification], context: RuleContext
    ) -> list[tuple[Notification, Decision]]:
        """Run the chain over a batch: ``[(row, decision)]`` for the rows a rule decided.

        A rule that raises stops the chain: :class:`RuleFailed` names it.
        """
        pending = list(notifications)
        decided: list[tuple[Notification, Decision]] = []
        for rule in self.rules:
            if not pending:
                break
            try:
                decisions = rule.decide(pending, context)
            except Exception as exc:
                raise RuleFailed(rule_name(rule), exc) from exc
            if not decisions:
                continue
            decided.extend((n, decisions[n.pk]) for n in pending if n.pk in decisions)
            pending = [n for n in pending if n.pk not in decisions]
        return decided

    def run_hook(self, hook: str, context: RuleContext, errors: dict[str, str]) -> Counter:
        """Call ``before_run``/``after_run`` on every rule that has it; add up their counts.

        A hook that raises is logged (by rule name) and recorded in ``errors``; the others
        still run.
        """
        counts: Counter = Counter()
        for rule in self.rules:
            method = getattr(rule, hook, None)
            if method is None:
                continue
            try:
                counts.update(method(context) or {})
            except Exception as exc:
                name = rule_name(rule)
                logger.exception("delivery rule %r failed in %s", name, hook)
                errors.setdefault(name, f"{hook} raised {type(exc).__name__}")
        return counts
