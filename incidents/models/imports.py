from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    """A file an analyst uploaded through the admin: first its dry-run report, then, once
    confirmed, its import (importers/runs.py runs both). The file is kept in the database so
    any app server can confirm it."""

    format = models.CharField(
        _("format"),
        max_length=10,
        choices=[("ucdp", "UCDP GED"), ("acled", "ACLED"), ("gtd", "GTD")],
        default="acled",
    )
    file_name = models.CharField(_("file name"), max_length=255, editable=False)
    content = models.BinaryField(_("content"), editable=False)
    skip_invalid = models.BooleanField(
        _("skip invalid"),
        default=False,
        help_text=_("Import the good rows even if some are rejected."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False,
        related_name="+", verbose_name=_("uploaded by"),
    )  # fmt: skip
    preview = models.JSONField(_("preview"), default=dict, editable=False)
    # Every warning of the dry run, where the preview keeps the first few hundred to show:
    # gzip-compressed JSON, [[row, column, value, reason], …] (runs.packed_warnings); b"" for
    # none, and for runs checked before it was kept.
    preview_warnings = models.BinaryField(_("warnings of the dry run"), default=b"", editable=False)
    imported_at = models.DateTimeField(_("imported at"), null=True, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False,
        related_name="+", verbose_name=_("imported by"),
    )  # fmt: skip
    result = models.JSONField(_("result"), default=dict, editable=False)
    # When someone confirmed the import; a background worker then claims it (imported_at).
    # Set once, so that a second click queues nothing more.
    import_requested_at = models.DateTimeField(_("import requested at"), null=True, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_format_display()} · {self.file_name} · {self.uploaded_at:%Y-%m-%d %H:%M}"

    @property
    def checking(self):
        """The dry run has not reported yet (it runs on a background worker)."""
        return not self.preview

    @property
    def importing(self):
        """Confirmed, and the worker has not finished the import yet."""
        return self.import_requested_at is not None and not self.result

    @property
    def can_import(self):
        return (
            self.imported_at is None
            and self.import_requested_at is None
            and not self.checking
            and not self.preview.get("refused")
            and (not self.preview.get("rejected") or self.skip_invalid)
        )
