"""The preferences form: one checkbox and one digest frequency per (category, channel) cell
of a user's matrix."""

from __future__ import annotations

from django import forms

from ..models.preference import FREQUENCY_CHOICES
from .api import Cell, PreferenceMatrix, set_preference


def field_name(cell: Cell) -> str:
    """The form field of a cell: ``"<category>/<channel>"`` (a category key has no ``/``)."""
    return f"{cell.category}/{cell.channel}"


def frequency_field_name(cell: Cell) -> str:
    """The frequency field of a cell: ``"frequency:<category>/<channel>"``."""
    return f"frequency:{field_name(cell)}"


class PreferencesForm(forms.Form):
    """Checkboxes for every cell; locked cells (required, critical) are disabled. A select
    per cell for its digest frequency; disabled for critical categories (always immediate).

    Saving calls :func:`set_preference` only for the cells the user changed, so untouched
    cells keep following the category's defaults. A frequency missing from the POST (a
    project's template without the selects) is left as it is; an unknown one is a form error.
    """

    def __init__(self, matrix: PreferenceMatrix, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        for row in matrix.rows:
            for cell in row.cells:
                self.fields[field_name(cell)] = forms.BooleanField(
                    required=False,
                    initial=cell.enabled,
                    disabled=cell.locked,
                    label=f"{row.category.label}: {cell.channel}",
                )
                self.fields[frequency_field_name(cell)] = forms.ChoiceField(
                    choices=FREQUENCY_CHOICES,
                    required=False,
                    initial=cell.frequency,
                    disabled=cell.frequency_locked,
                    label=f"{row.category.label}: {cell.channel} frequency",
                    widget=forms.Select(
                        attrs={"aria-label": f"{row.category.label}: {cell.channel} frequency"}
                    ),
                )

    def rows(self) -> list[tuple]:
        """``(category, [(cell, bound field), ...])`` per category, for templates."""
        return [
            (row.category, [(cell, self[field_name(cell)]) for cell in row.cells])
            for row in self.matrix.rows
        ]

    def rows_with_frequency(self) -> list[tuple]:
        """``(category, [(cell, bound field, bound frequency field), ...])`` per category."""
        return [
            (
                row.category,
                [
                    (cell, self[field_name(cell)], self[frequency_field_name(cell)])
                    for cell in row.cells
                ],
            )
            for row in self.matrix.rows
        ]

    def _changes(self, cell: Cell) -> dict:
        changes = {}
        wanted = self.cleaned_data[field_name(cell)]
        if not cell.locked and wanted != cell.enabled:
            changes["enabled"] = wanted
        frequency = self.cleaned_data.get(frequency_field_name(cell))
        if not cell.frequency_locked and frequency and frequency != cell.frequency:
            changes["frequency"] = frequency
        return changes

    def save(self, user) -> int:
        """Apply the changed cells through ``set_preference``; return how many changed."""
        changed = 0
        for row in self.matrix.rows:
            for cell in row.cells:
                changes = self._changes(cell)
                if changes:
                    set_preference(user, category=cell.category, channel=cell.channel, **changes)
                    changed += 1
        return changed
