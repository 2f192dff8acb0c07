import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from config.page_warming import request_warming
from incidents.importers.importing import ImportBusy, import_file, write_rejects, write_warnings
from incidents.importers.process import importing_alone
from incidents.importers.reading import FileRefused
from incidents.importers.registry import IMPORTERS
from incidents.importers.resemblance import write_likely_duplicates

# The exit status when rows were rejected (1 is an error such as a refused file, or another
# import running).
REJECTED_STATUS = 3


class Command(BaseCommand):
    help = (
        "Import incidents from a UCDP GED or ACLED CSV file, or GTD's workbook (.xlsx or CSV). "
        "Nothing is written when any row is "
        "bad, unless --skip-invalid; a re-import updates changed rows and keeps analysts' edits. "
        "Exit status 3 when rows were rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", required=True, choices=sorted(IMPORTERS))
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Write the good rows and save the bad ones to a rejects CSV.",
        )
        parser.add_argument(
            "--rejects",
            type=Path,
            help="Where to save rejected rows (default: the file's name with .rejects.csv, in "
            "the current directory).",
        )
        parser.add_argument(
            "--warnings",
            type=Path,
            help="Save every row warned about (imported all the same), with its warnings, to "
            "this CSV (the first 50 are printed).",
        )
        parser.add_argument(
            "--draft", action="store_true", help="New incidents arrive as drafts, not published."
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Set the incident tables' indexes and foreign keys aside while importing and "
            "build them again at the end: much faster for a big file, but readers of the "
            "incidents wait until the import ends. Chosen by itself for an empty table.",
        )
        parser.add_argument(
            "--duplicates",
            type=Path,
            help="With --dry-run: save every row that probably duplicates an existing incident, "
            "with that incident, to this CSV (the first 50 are printed).",
        )

    def handle(
        self,
        *args,
        path,
        format,
        dry_run,
        skip_invalid,
        rejects,
        warnings,
        draft,
        duplicates,
        bulk,
        **options,
    ):
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if duplicates and not dry_run:
            raise CommandError("--duplicates goes with --dry-run: only a dry run looks for them")
        importer = IMPORTERS[format]()
        show_bar = sys.stderr.isatty() and options["verbosity"] > 0
        with (
            tqdm(unit=" rows", disable=not show_bar, desc=f"{path.name}") as bar,
            # The command's process runs this import alone.
            importing_alone(),
        ):

            def progress(done):
                bar.update(done - bar.n)

            try:
                report = import_file(
                    path,
                    importer,
                    dry_run=dry_run,
                    skip_invalid=skip_invalid,
                    publish=not draft,
                    progress=progress,
                    # Not asked: the import chooses (bulk into an empty table only).
                    bulk=True if bulk else None,
                )
            except FileRefused as refused:
                raise CommandError(f"{path}: {refused}") from None
            except ImportBusy as busy:
                raise CommandError(f"{path}: {busy}") from None
        if not dry_run:
            # What the import published is on the public pages: have the hot ones rendered.
            request_warming()

        for error in report.rejected[:50]:
            self.stderr.write(f"rejected: {error}")
        if len(report.rejected) > 50:
            self.stderr.write(f"… and {len(report.rejected) - 50} more problems")
        for conflict in report.conflicts[:50]:
            self.stderr.write(f"conflict: {conflict}")
        for duplicate in report.likely_duplicates[:50]:
            self.stderr.write(f"likely duplicate: {duplicate}")
        if duplicates and report.likely_duplicates:
            with open(duplicates, "w", newline="", encoding="utf-8") as out:
                write_likely_duplicates(report.likely_duplicates, out, importer.key_column)
            self.stderr.write(f"Likely duplicates saved to {duplicates}")
        for warning in report.warnings[:50]:
            self.stderr.write(f"warning: {warning}")
        if len(report.warnings) > 50:
            more = len(report.warnings) - 50
            self.stderr.write(
                f"… and {more} more warnings"
                + ("" if warnings else " (--warnings FILE saves every one)")
            )
        if warnings and report.warnings:
            write_warnings(report.warnings, report.format, path, warnings)
            self.stderr.write(f"Rows warned about saved to {warnings}")
        if report.rejected and skip_invalid:
            # In the current directory, not beside PATH: files to import often sit in folders
            # one may read but not write (a shared data folder, a mounted archive).
            rejects = rejects or Path.cwd() / path.with_suffix(".rejects.csv").name
            write_rejects(report, path, rejects)
            self.stderr.write(f"Rejected rows saved to {rejects}")
        self.stdout.write(report.summary())
        if report.rejected:
            # Scripts must notice that part of the file did not go in; 3 tells it from a crash.
            sys.exit(REJECTED_STATUS)
