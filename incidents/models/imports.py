import io

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How many problems a run keeps to show; the command line and the rejects file have them all.
PROBLEMS_SHOWN = 500


class ImportRun(models.Model):
    """A file an analyst uploaded through the admin: first its dry-run report, then, once
    confirmed, its import. The file is kept in the database so any app server can confirm it."""

    format = models.CharField(
        max_length=10, choices=[("ucdp", "UCDP GED"), ("acled", "ACLED")], default="acled"
    )
    file_name = models.CharField(max_length=255, editable=False)
    content = models.BinaryField(editable=False)
    skip_invalid = models.BooleanField(
        default=False,
        help_text=_("Import the good rows even if some are rejected."),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False,
        related_name="+",
    )  # fmt: skip
    preview = models.JSONField(default=dict, editable=False)
    imported_at = models.DateTimeField(null=True, editable=False)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, editable=False,
        related_name="+",
    )  # fmt: skip
    result = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import")

    def __str__(self):
        return f"{self.get_format_display()} · {self.file_name} · {self.uploaded_at:%Y-%m-%d %H:%M}"

    def run_preview(self, by):
        """Dry-run the file and keep its report; nothing is written to incidents."""
        self.preview = self._import(by, dry_run=True)

    def run_import(self, by):
        """Import the file for real and keep the report. New incidents are published when the
        importing user may publish, drafts otherwise. A second confirmation (a double click,
        another app server) finds the run imported and does nothing."""
        with transaction.atomic():
            locked = ImportRun.objects.select_for_update().get(pk=self.pk)
            if locked.imported_at is None:
                locked.result = locked._import(by, dry_run=False)
                locked.imported_at, locked.imported_by = timezone.now(), by
                locked.save(update_fields=["result", "imported_at", "imported_by"])
        self.result, self.imported_at, self.imported_by = (
            locked.result,
            locked.imported_at,
            locked.imported_by,
        )
        return self.result

    @property
    def can_import(self):
        return (
            self.imported_at is None
            and not self.preview.get("refused")
            and (not self.preview.get("rejected") or self.skip_invalid)
        )

    def _import(self, user, dry_run):
        # Imported here: the importers use the models, which are still loading at module level.
        from ..importers.importing import import_file
        from ..importers.reading import FileRefused
        from ..importers.registry import IMPORTERS

        try:
            report = import_file(
                io.BytesIO(bytes(self.content)),
                IMPORTERS[self.format](),
                dry_run=dry_run,
                skip_invalid=self.skip_invalid,
                user=user,
                publish=user.has_perm("incidents.publish_incident"),
            )
        except FileRefused as refused:  # found past the header, e.g. a bad byte at row 9,000
            return {"summary": f"File refused: {refused}", "refused": True, "written": False}
        return {
            "summary": report.summary(),
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "written": report.written,
            "rejected": [str(error) for error in report.rejected[:PROBLEMS_SHOWN]],
            "rejected_count": len(report.rejected_rows),
            "conflicts": report.conflicts[:PROBLEMS_SHOWN],
        }
