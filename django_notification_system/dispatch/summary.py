"""What one run did, in counts: what the command prints and ``on_batch`` receives."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .send import Interrupt


@dataclass
class RunSummary:
    """Counts of one run: rows per resulting status, plus what stopped a channel or the run."""

    counts: Counter = field(default_factory=Counter)
    claimed: int = 0
    batches: int = 0
    lease_lost: int = 0
    configuration_errors: dict[str, str] = field(default_factory=dict)
    #: Delivery rules that raised (rule name -> what happened); their rows were released.
    rule_errors: dict[str, str] = field(default_factory=dict)
    due: Counter = field(default_factory=Counter)
    dry_run: bool = False
    #: Rows claimed ahead and handed back unsent because the run stopped.
    released_unsent: int = 0
    #: A handler's KeyboardInterrupt/SystemExit: the run stopped after recording.
    interrupt: Interrupt | None = None

    def lines(self) -> list[str]:
        """One line per outcome, counts only."""
        if self.dry_run:
            return [f"due ({module}): {count}" for module, count in sorted(self.due.items())] or [
                "due: 0"
            ]
        lines = [f"{status.lower()}: {count}" for status, count in sorted(self.counts.items())]
        if self.lease_lost:
            lines.append(f"lease lost before recording: {self.lease_lost}")
        return lines or ["nothing due"]
