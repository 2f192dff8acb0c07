"""Imports through the admin: an ImportRun's dry run, then, once confirmed, its import. The
admin's import page calls these; the ImportRun model only holds the file and the reports."""

import io

from django.db import transaction
from django.utils import timezone

from ..models import ImportRun
from .importing import ImportBusy, import_file
from .reading import FileRefused
from .registry import IMPORTERS

# How many problems a run keeps to show; the command line and the rejects file have them all.
PROBLEMS_SHOWN = 500


def run_preview(run, by):
    """Dry-run the run's file and keep its report in run.preview (saved by the caller, with
    the new run); nothing is written to incidents."""
    run.preview = _import(run, by, dry_run=True)


def run_import(run, by):
    """Import the run's file for real and keep the report. New incidents are published when
    the importing user may publish, drafts otherwise. A second confirmation (a double click,
    another app server) finds the run imported and does nothing. While another import runs,
    nothing is written and the run stays to be confirmed again. Returns the report."""
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        if locked.imported_at is None:
            try:
                locked.result = _import(locked, by, dry_run=False)
            except ImportBusy as busy:
                return {"summary": str(busy), "busy": True, "written": False}
            locked.imported_at, locked.imported_by = timezone.now(), by
            locked.save(update_fields=["result", "imported_at", "imported_by"])
    run.result, run.imported_at, run.imported_by = (
        locked.result,
        locked.imported_at,
        locked.imported_by,
    )
    return run.result


def _import(run, user, dry_run):
    try:
        report = import_file(
            io.BytesIO(bytes(run.content)),
            IMPORTERS[run.format](),
            dry_run=dry_run,
            skip_invalid=run.skip_invalid,
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
