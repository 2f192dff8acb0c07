"""Import runs: upload a UCDP, ACLED or GTD file, read the dry run, confirm."""

import io
from functools import partial

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .. import jobs
from ..duplicates import DUPLICATE_DISTANCE_KM
from ..formatting import format_count
from ..importers.reading import FileRefused, open_table
from ..importers.registry import IMPORTERS
from ..importers.runs import (
    already_imported_message,
    check_upload,
    import_upload,
    progress_of,
    request_import,
    run_import,
    run_preview,
    write_run_likely_duplicates,
    write_run_rejects,
    write_run_warnings,
)
from ..models import ImportRun
from .permissions import CheckedActionsMixin


class ImportRunForm(forms.ModelForm):
    file = forms.FileField(label=_("File"))

    class Meta:
        model = ImportRun
        fields = ["format", "file", "skip_invalid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limit is said before the upload, not only after a long one is refused.
        self.fields["file"].help_text = gettext(
            "A CSV file in UTF-8 as UCDP or ACLED export it, or GTD's .xlsx workbook, of up "
            "to %(max)s MB. Import a larger file with `manage.py import_events`, or split it."
        ) % {"max": format_count(settings.IMPORT_UPLOAD_MAX_MB)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_UPLOAD_MAX_MB * 1024 * 1024
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "This file is %(size)s MB; the admin takes files of up to %(max)s MB. "
                    "Split it, or import it with `manage.py import_events`."
                ),
                params={
                    "size": format_count(round(upload.size / 1024 / 1024)),
                    "max": format_count(settings.IMPORT_UPLOAD_MAX_MB),
                },
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, format_name = cleaned.get("file"), cleaned.get("format")
        if upload and format_name:
            try:
                open_table(upload, IMPORTERS[format_name]().missing_columns)
            except FileRefused as refused:
                self.add_error("file", str(refused))
        return cleaned


@admin.register(ImportRun)
class ImportRunAdmin(CheckedActionsMixin, admin.ModelAdmin):
    """Upload a file, read its dry-run report, then confirm the import."""

    form = ImportRunForm
    list_display = ["uploaded_at", "file_name", "format", "uploaded_by", "imported_at", "outcome"]
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        # The uploaded files can be megabytes each, their warnings hundreds of kilobytes: the
        # list never needs them, the report only the warnings, and only to know it has some.
        return super().get_queryset(request).defer("content", "preview_warnings")

    class Media:
        css = {"all": ["css/admin-import.css"]}

    readonly_fields = ["file_name", "uploaded_by", "uploaded_at", "report", "imported"]
    change_form_template = "admin/incidents/importrun/change_form.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["format", "file", "skip_invalid"]
        return [
            "file_name",
            "format",
            "skip_invalid",
            "uploaded_by",
            "uploaded_at",
            "report",
            "imported",
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm  # no upload field once the file is in
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Once uploaded, a run is a record: its file and options stay as they were previewed.
        return self.readonly_fields + (["format", "skip_invalid"] if obj else [])

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    # Not a casualty's outcome ("issue"): what the import did.
    @admin.display(description=pgettext_lazy("import", "outcome"))
    def outcome(self, run):
        report = run.result or run.preview
        return report.get("summary", "")

    @admin.display(description=_("dry run"))
    def report(self, run):
        if run.checking:
            return _progress_html(run, _("Checking the file…"))
        rejects = ""
        if run.preview.get("rejected"):
            url = reverse("admin:incidents_importrun_rejects", args=[run.pk])
            rejects = format_html(
                '<p><a href="{}">{}</a></p>',
                url,
                _("Download the rejected rows with their reasons (CSV)"),
            )
        warnings = ""
        if run.preview_warnings:
            warnings = format_html(
                '<p><a href="{}">{}</a></p>',
                reverse("admin:incidents_importrun_warnings", args=[run.pk]),
                ngettext(
                    "Download the row warned about, with its warning (CSV)",
                    "Download the %(count)s warnings with their rows (CSV)",
                    run.preview.get("warning_count", 0),
                )
                % {"count": format_count(run.preview.get("warning_count", 0))},
            )
        return format_html(
            "{}{}{}{}", _report_html(run.preview), rejects, warnings, _likely_duplicates_html(run)
        )

    @admin.display(description=_("import"))
    def imported(self, run):
        if run.importing:
            return _progress_html(run, _("Importing…"))
        if run.imported_at is None:
            return _report_html(run.result) if run.result else _("not imported yet")
        written = run.incidents.count()
        link = format_html(
            '<a href="{}?import_run={}">{}</a>',
            reverse("admin:incidents_incident_changelist"),
            run.pk,
            ngettext(
                "%(count)s incident created or changed by this import",
                "%(count)s incidents created or changed by this import",
                written,
            )
            % {"count": format_count(written)},
        )
        return format_html(
            "{}<br>{}<p>{}</p>",
            gettext("%(time)s by %(user)s")
            % {
                "time": date_format(timezone.localtime(run.imported_at), "DATETIME_FORMAT"),
                "user": run.imported_by,
            },
            _report_html(run.result),
            link,
        )

    def get_urls(self):
        rejects = path(
            "<path:object_id>/rejects.csv",
            self.admin_site.admin_view(self.rejects_view),
            name="incidents_importrun_rejects",
        )
        duplicates = path(
            "<path:object_id>/likely-duplicates.csv",
            self.admin_site.admin_view(self.likely_duplicates_view),
            name="incidents_importrun_likely_duplicates",
        )
        warnings = path(
            "<path:object_id>/warnings.csv",
            self.admin_site.admin_view(self.warnings_view),
            name="incidents_importrun_warnings",
        )
        return [rejects, warnings, duplicates, *super().get_urls()]

    def likely_duplicates_view(self, request, object_id):
        """Every row of the run's file that probably duplicates an existing incident, with the
        incident's address in the admin."""

        def link(pk):
            return request.build_absolute_uri(reverse("admin:incidents_incident_change", args=[pk]))

        return self._csv_download(
            request,
            object_id,
            "likely-duplicates",
            lambda run, text: write_run_likely_duplicates(run, text, link=link),
        )

    def rejects_view(self, request, object_id):
        """The rejected rows of the run's file with their reasons, every one of them."""
        return self._csv_download(request, object_id, "rejects", write_run_rejects)

    def warnings_view(self, request, object_id):
        """The rows of the run's file its dry run warned about, with the warnings, every one
        of them."""
        return self._csv_download(request, object_id, "warnings", write_run_warnings)

    def _csv_download(self, request, object_id, suffix, write):
        """A CSV about the run's file, named after it (`ged.rejects.csv`): write(run, text)."""
        run = self.get_object(request, object_id)
        if run is None or not self.has_view_permission(request, run):
            raise PermissionDenied
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stem = run.file_name.rsplit(".", 1)[0]
        response["Content-Disposition"] = f'attachment; filename="{stem}.{suffix}.csv"'
        text = io.StringIO()
        write(run, text)
        response.write(text.getvalue())
        return response

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        # While a worker checks or imports the file, the page reloads itself to show how far
        # it is (a meta refresh: the site's CSP allows no inline script).
        context["refresh_seconds"] = (
            2 if obj is not None and (obj.checking or obj.importing) else None
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            # Once uploaded, nothing of a run is edited here, and saving the run as this
            # request read it could undo an import another request has just recorded.
            return
        upload = form.cleaned_data["file"]
        obj.file_name = upload.name
        obj.content = b"".join(upload.chunks())  # chunks() reads from the start
        obj.uploaded_by = request.user
        if jobs.in_background():
            super().save_model(request, obj, form, change)
            # The report comes out in the uploader's language (the worker has none of its own).
            transaction.on_commit(
                partial(jobs.run_later, check_upload, obj.pk, request.user.pk, get_language())
            )
            return
        run_preview(obj, by=request.user)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # After the upload, show the dry-run report with its confirm button.
        return redirect(reverse("admin:incidents_importrun_change", args=[obj.pk]))

    def response_change(self, request, obj):
        if "_confirm_import" in request.POST:
            if obj.imported_at is not None:
                self.message_user(request, already_imported_message(obj), messages.WARNING)
            elif not obj.can_import:
                self.message_user(
                    request, _("This file cannot be imported as it is."), messages.ERROR
                )
            elif jobs.in_background():
                if request_import(obj):
                    transaction.on_commit(
                        partial(
                            jobs.run_later, import_upload, obj.pk, request.user.pk, get_language()
                        )
                    )
                    self.message_user(
                        request, _("The import has started; this page shows how far it is.")
                    )
            else:
                result = run_import(obj, by=request.user)
                if result["written"]:
                    level = messages.SUCCESS
                else:
                    level = messages.WARNING if result.get("already") else messages.ERROR
                self.message_user(request, result["summary"], level)
            return redirect(reverse("admin:incidents_importrun_change", args=[obj.pk]))
        return super().response_change(request, obj)


def _progress_html(run, doing):
    progress = progress_of(run)
    if progress is None:
        return format_html("<strong>{}</strong> {}", doing, _("Waiting for a worker."))
    rows, total = progress["rows"], progress.get("of")
    checking = progress["step"] == "checking"
    if not total or rows >= total:  # a workbook, or a file with more line breaks than rows
        if checking:
            step = ngettext("%(rows)s row checked", "%(rows)s rows checked", rows)
        else:
            step = ngettext(
                "%(rows)s row compared or written", "%(rows)s rows compared or written", rows
            )
        return format_html("<strong>{}</strong> {}", doing, step % {"rows": format_count(rows)})
    if checking:
        step = ngettext(
            "%(rows)s of about %(total)s row checked (%(percent)s%%)",
            "%(rows)s of about %(total)s rows checked (%(percent)s%%)",
            total,
        )
    else:
        step = ngettext(
            "%(rows)s of about %(total)s row compared or written (%(percent)s%%)",
            "%(rows)s of about %(total)s rows compared or written (%(percent)s%%)",
            total,
        )
    step %= {
        "rows": format_count(rows),
        "total": format_count(total),
        "percent": rows * 100 // total,
    }
    # No time left is guessed: a dry run slows down as its transaction grows (150,000 ACLED
    # rows: 12,000 checked in the first 13 s, 6,000 in the last 10), so the time so far,
    # stretched, said "less than a minute" for the last ninety seconds.
    return format_html("<strong>{}</strong> {}", doing, step)


def _likely_duplicates_html(run):
    """The dry run's rows that probably duplicate an existing incident, each with links to the
    incidents, and the download of them all."""
    found = run.preview.get("likely_duplicates")
    if not found:
        return ""
    count = run.preview.get("likely_duplicate_count", len(found))
    rows = _list_html(
        [
            format_html(
                "{} {}", gettext("row %(row)s:") % {"row": row["row"]}, _incident_links(row)
            )
            for row in found
        ],
        count,
    )
    return format_html(
        '<div class="likely-duplicates"><h3>{}</h3><p>{}</p>{}<p><a href="{}">{}</a></p></div>',
        ngettext(
            "Probably already entered: %(count)s row",
            "Probably already entered: %(count)s rows",
            count,
        )
        % {"count": format_count(count)},
        _(
            "Each of these rows resembles an incident entered by hand or imported from another "
            "dataset: a place within %(km)s km, overlapping dates, and the same event type or "
            "an actor in common. The import creates them all the same; merge the pairs that "
            "report one event afterwards (the incident list's action “Merge two selected "
            "incidents”)."
        )
        % {"km": DUPLICATE_DISTANCE_KM},
        rows,
        reverse("admin:incidents_importrun_likely_duplicates", args=[run.pk]),
        _("Download every likely duplicate with its incidents (CSV)"),
    )


def _incident_links(row):
    return format_html_join(
        "; ",
        '<a href="{}">{} {}</a> ({})',
        (
            (reverse("admin:incidents_incident_change", args=[pk]), _("incident"), pk, label)
            for pk, label in row["incidents"]
        ),
    )


def _report_html(report):
    if not report:
        return "—"
    problems = [*report.get("rejected", []), *report.get("conflicts", [])]
    warnings = report.get("warnings", [])
    return format_html(
        "<strong>{}</strong>{}{}",
        report["summary"],
        _list_html(problems, report.get("problem_count")),
        format_html(
            "<p>{}</p>{}",
            _("Imported all the same; look at these places:"),
            _list_html(warnings, report.get("warning_count")),
        )
        if warnings
        else "",
    )


# The items of a report's list shown at once; the others are folded (a <details> to open), so
# that the button to confirm stays near, under a list of hundreds.
LISTED_AT_ONCE = 10


def _list_html(items, count=None):
    """The items as a list, its first LISTED_AT_ONCE shown; `count`, how many there are in all
    (a report keeps the first runs.PROBLEMS_SHOWN)."""
    if not items:
        return ""
    shown = format_html_join("", "<li>{}</li>", ((item,) for item in items[:LISTED_AT_ONCE]))
    folded = items[LISTED_AT_ONCE:]
    if not folded:
        return format_html("<ul>{}</ul>", shown)
    count = max(count or 0, len(items))
    if count > len(items):
        label = gettext("%(more)s more listed here, of %(count)s in all") % {
            "more": format_count(len(folded)),
            "count": format_count(count),
        }
    else:
        label = ngettext("%(more)s more", "%(more)s more", len(folded)) % {
            "more": format_count(len(folded))
        }
    return format_html(
        '<ul>{}</ul><details class="import-report-more"><summary>{}</summary><ul>{}</ul></details>',
        shown,
        label,
        format_html_join("", "<li>{}</li>", ((item,) for item in folded)),
    )
