"""The preferences form: one checkbox per (category, channel) cell of a user's matrix."""

from __future__ import annotations

from django import forms

from .api import Cell, PreferenceMatrix, set_preference


def field_name(cell: Cell) -> str:
    """The form field of a cell: ``"<category>/<channel>"`` (a category key has no ``/``)."""
    return f"{cell.category}/{cell.channel}"


class PreferencesForm(forms.Form):
    """Checkboxes for every cell; locked cells (required, critical) are disabled.

    Saving calls :func:`set_preference` only for the cells the user changed, so untouched
    cells keep following the category's defaults.
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

    def rows(self) -> list[tuple]:
        """``(category, [(cell, bound field), ...])`` per category, for templates."""
        return [
            (row.category, [(cell, self[field_name(cell)]) for cell in row.cells])
            for row in self.matrix.rows
        ]

    def save(self, user) -> int:
        """Apply the changed cells through ``set_preference``; return how many changed."""
        changed = 0
        for row in self.matrix.rows:
            for cell in row.cells:
                wanted = self.cleaned_data[field_name(cell)]
                if not cell.locked and wanted != cell.enabled:
                    set_preference(
                        user, category=cell.category, channel=cell.channel, enabled=wanted
                    )
                    changed += 1
        return changed
