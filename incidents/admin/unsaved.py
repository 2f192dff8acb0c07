"""Admin forms that ask before a page with unsaved changes is left (js/unsaved-changes.js)."""

from django import forms

UNSAVED_CHANGES_SCRIPT = "js/unsaved-changes.js"


class AskBeforeLeavingMixin:
    """For a ModelAdmin: its change form asks before it is left with unsaved changes."""

    @property
    def media(self):
        return super().media + forms.Media(js=[UNSAVED_CHANGES_SCRIPT])
