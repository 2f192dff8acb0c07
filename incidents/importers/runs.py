"""Imports through the admin: an ImportRun's dry run, then, once confirmed, its import. The
admin's import page calls these; the ImportRun model only holds the file and the reports.

With REDIS_URL set both run on a background worker (check_upload, import_upload; see
incidents/jobs.py) and tell their progress through the cache (progress_of), which the page
shows while it waits; without, they run in the request.

A report is written once, in the language of the person who asked for it (the request's, or
the one a job is given): its rows' reasons are worded as they are found, and kept as words.
"""

import gzip
import io
import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from config.page_warming import request_warming
from config.routers import reading_the_primary

from ..models import ImportRun
from .importing import (
    ImportBusy,
    import_file,
    rejected_rows_report,
    write_rejects,
    write_warnings,
)
from .process import importing_alone
from .reading import ZIP_SIGNATURE, FileRefused
from .records import RowError
from .registry import IMPORTERS
from .resemblance import find_in_file, write_likely_duplicates

# How many problems a run keeps to show; the command line, the rejects file and the warnings
# file have them all.
PROBLEMS_SHOWN = 500
# A run's progress is kept this long after its last step (an abandoned job's expires).
PROGRESS_SECONDS = 3600


def run_preview(run, by, progress=None):
    """Dry-run the run's file and keep its report in run.preview, and every warning in
    run.preview_warnings (both saved by the caller, with the new run); nothing is written to
    incidents."""
    run.preview, report = _import(run, by, dry_run=True, progress=progress)
    run.preview_warnings = packed_warnings(report.warnings if report else [])


@reading_the_primary
def check_upload(run_id, user_id, language=None):
    """The background job of an upload: its dry run, saved to the run, in `language` (the
    uploader's; the site's default when None)."""
    run, user = _run_and_user(run_id, user_id)
    # A worker's job, in a process of its own (jobs.run_later is its only caller).
    with translation.override(language or settings.LANGUAGE_CODE), importing_alone():
        try:
            run_preview(run, user, progress=_Progress(run_id, rows_in_file(run.content)))
        except Exception as error:
            run.preview = _failure(gettext("The check stopped with an error"), error)
            raise  # after the finally below: RQ keeps the failed job and its traceback
        finally:
            ImportRun.objects.filter(pk=run_id).update(
                preview=run.preview, preview_warnings=run.preview_warnings
            )


@reading_the_primary
def import_upload(run_id, user_id, language=None):
    """The background job of a confirmed import, reporting in `language` (the confirming
    user's). A busy or failed import leaves the run to be confirmed again; a second job of the
    same run writes nothing (run_import's claim)."""
    run, user = _run_and_user(run_id, user_id)
    # A worker's job, in a process of its own (jobs.run_later is its only caller).
    with translation.override(language or settings.LANGUAGE_CODE), importing_alone():
        try:
            result = run_import(run, user, progress=_Progress(run_id, rows_in_file(run.content)))
        except Exception as error:
            ImportRun.objects.filter(pk=run_id).update(
                result=_failure(gettext("The import stopped with an error"), error),
                import_requested_at=None,
            )
            raise
    if result.get("busy"):
        ImportRun.objects.filter(pk=run_id).update(result=result, import_requested_at=None)
    else:
        # What the import published is on the public pages: have the hot ones rendered.
        request_warming()


def request_import(run):
    """Mark the run confirmed; False when it already was (a second click queues nothing)."""
    return (
        ImportRun.objects.filter(pk=run.pk, imported_at=None, import_requested_at=None)
        .exclude(preview={})
        .update(import_requested_at=timezone.now(), result={})
        == 1
    )


def progress_of(run):
    """How far a worker is with the run, or None: {"step": "checking" | "writing", "rows": n,
    "of": the file's rows (about; None for a workbook)}."""
    return cache.get(_progress_key(run.pk))


def rows_in_file(content):
    """About how many rows a CSV file's bytes hold below its header: its lines, so a cell
    with line breaks counts more than once (UCDP's headlines; a few in a hundred at most).
    None for a workbook, whose rows are not lines."""
    content = bytes(content)
    if content.startswith(ZIP_SIGNATURE):
        return None
    lines = content.count(b"\n") + (not content.endswith(b"\n"))
    return max(lines - 1, 0)


def write_run_rejects(run, out):
    """Every rejected row of the run's file, with its reasons, as CSV into `out`."""
    source = io.BytesIO(bytes(run.content))
    write_rejects(rejected_rows_report(source, IMPORTERS[run.format]()), source, out)


def write_run_warnings(run, out):
    """Every row of the run's file its dry run warned about, with the warnings, as CSV into
    `out`."""
    write_warnings(
        unpacked_warnings(run.preview_warnings), run.format, io.BytesIO(bytes(run.content)), out
    )


def packed_warnings(warnings):
    """RowErrors as the bytes ImportRun.preview_warnings keeps (b"" for none): a 150,000-row
    ACLED file's 1,790 warnings take 12 KB."""
    if not warnings:
        return b""
    values = [[w.row, str(w.column), str(w.value), str(w.reason)] for w in warnings]
    return gzip.compress(json.dumps(values, ensure_ascii=False).encode(), compresslevel=6)


def unpacked_warnings(packed):
    """The RowErrors packed_warnings() kept."""
    if not packed:
        return []
    return [RowError(*values) for values in json.loads(gzip.decompress(bytes(packed)))]


def write_run_likely_duplicates(run, out, link=None):
    """Every row of the run's file that probably duplicates an existing incident, with it, as
    CSV into `out` (resemblance.write_likely_duplicates)."""
    importer = IMPORTERS[run.format]()
    found = find_in_file(io.BytesIO(bytes(run.content)), importer, run=run)
    write_likely_duplicates(found, out, importer.key_column, link=link)


class _Progress:
    """Tells the page how far a job is, through the cache: the job's own database writes
    are in a transaction no other connection sees until it ends. `rows_in_file`, about how
    many rows the file holds (rows_in_file()), lets the page say what share is done."""

    def __init__(self, run_id, rows_in_file=None):
        self.key = _progress_key(run_id)
        self.rows_in_file = rows_in_file

    def checking(self, rows):
        self._tell("checking", rows)

    def writing(self, rows):
        self._tell("writing", rows)

    def _tell(self, step, rows):
        progress = {"step": step, "rows": rows, "of": self.rows_in_file}
        cache.set(self.key, progress, PROGRESS_SECONDS)


def _progress_key(run_id):
    return f"import-run:{run_id}:progress"


def _run_and_user(run_id, user_id):
    return ImportRun.objects.get(pk=run_id), get_user_model().objects.get(pk=user_id)


def _failure(what, error):
    """`what`: "The check stopped with an error", in the job's language."""
    return {
        "summary": gettext(
            "%(what)s (%(error)s); nothing was written. Upload the file again, or tell an "
            "administrator."
        )
        % {"what": what, "error": f"{type(error).__name__}: {error}"},
        "refused": True,
        "written": False,
    }


def run_import(run, by, progress=None):
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
            result, _report = _import(run, by, dry_run=False, progress=progress)
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
        return gettext(
            "This file is being imported; reload this page in a moment to read its report."
        )
    return gettext(
        "This file was already imported by %(user)s at %(time)s; nothing was imported again."
    ) % {"user": run.imported_by, "time": _when(run.imported_at)}


def _when(moment):
    """A moment as the admin's lists write it in the active language: "Sept. 17, 2024, 2:05
    p.m.", "17 septembre 2024 14:05"."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _import(run, user, dry_run, progress=None):
    """(what the run's page shows of the report, as JSON; the ImportReport, None when the file
    was refused)."""
    try:
        report = import_file(
            io.BytesIO(bytes(run.content)),
            IMPORTERS[run.format](),
            dry_run=dry_run,
            skip_invalid=run.skip_invalid,
            user=user,
            publish=user.has_perm("incidents.publish_incident"),
            # One reading checks and writes: a dry run's page says "checked", an import's
            # "compared or written".
            progress=progress and (progress.checking if dry_run else progress.writing),
            run=None if dry_run else run,
        )
    except FileRefused as refused:  # found past the header, e.g. a bad byte at row 9,000
        return {
            "summary": gettext("File refused: %(reason)s") % {"reason": refused},
            "refused": True,
            "written": False,
        }, None
    return {
        "summary": report.summary(),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "written": report.written,
        "rejected": [str(error) for error in report.rejected[:PROBLEMS_SHOWN]],
        "rejected_count": len(report.rejected_rows),
        "conflicts": report.conflicts[:PROBLEMS_SHOWN],
        "likely_duplicates": [
            found.as_dict() for found in report.likely_duplicates[:PROBLEMS_SHOWN]
        ],
        "likely_duplicate_count": len(report.likely_duplicates),
        "warnings": [str(warning) for warning in report.warnings[:PROBLEMS_SHOWN]],
        # How many there are beyond those kept to show (the page says so).
        "problem_count": len(report.rejected) + len(report.conflicts),
        "warning_count": len(report.warnings),
    }, report
