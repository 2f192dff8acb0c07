"""Imports through the admin: an ImportRun's dry run, then, once confirmed, its import. The
admin's import page calls these; the ImportRun model only holds the file and the reports."""

import io

from django.db import connection, transaction
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
    the importing user may publish, drafts otherwise. Returns the report to show.

    The confirm claims the run before importing: a second confirmation (a double click,
    another tab, another app server) writes nothing and is told the file is being, or was
    already, imported. While another file is being imported, nothing is written and the run
    stays to be confirmed again."""
    try:
        with transaction.atomic():
            if not _claim(run, by):
                return _not_claimed(run)
            result = _import(run, by, dry_run=False)
            ImportRun.objects.filter(pk=run.pk).update(result=result)
    except ImportBusy as busy:  # the claim is rolled back with the rest
        return {"summary": str(busy), "busy": True, "written": False}
    run.refresh_from_db(fields=["result", "imported_at", "imported_by"])
    return run.result


def _claim(run, by):
    """Mark the run imported by this user, or return False when another confirmation holds it
    or has imported it. The conditional UPDATE is the claim on every database: it keeps the
    row locked until the import commits, and a second UPDATE that waited for it finds
    imported_at set. On PostgreSQL a confirmation that finds the row locked is answered at once
    rather than after the other import."""
    if connection.features.has_select_for_update_skip_locked:
        free = ImportRun.objects.select_for_update(skip_locked=True).filter(pk=run.pk)
        if not free.exists():
            return False
    claimed = ImportRun.objects.filter(pk=run.pk, imported_at=None).update(
        imported_at=timezone.now(), imported_by=by
    )
    return claimed == 1


def _not_claimed(run):
    run.refresh_from_db(fields=["result", "imported_at", "imported_by"])
    return {"summary": already_imported_message(run), "written": False, "already": True}


def already_imported_message(run):
    if run.imported_at is None:
        return "This file is being imported; reload this page in a moment to read its report."
    return (
        f"This file was already imported by {run.imported_by} "
        f"at {timezone.localtime(run.imported_at):%Y-%m-%d %H:%M}; nothing was imported again."
    )


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
