"""django-simple-history's rows become IncidentVersion rows; its tables go.

Each historical incident row (oldest first) becomes version 1, 2, … of its incident, with its
who, when and reason, and the status it recorded. Its snapshot holds the incident's own fields
as that row has them, and its coded figures, actors and citations as their historical tables
say they stood at that instant. What is approximate:

- rows written in bulk (imports, bench data) have no historical rows: they count as present
  from the start, as they are today;
- natures of attack, related incidents and source reports had no history: every version
  holds today's;
- the kind is read from the history type, the change reason and the status before and after
  (an import's reason ends in "import"; a status change is a workflow step); a deleted
  incident's rows go with it.

Each incident's `version` becomes its last version's number. The work goes in chunks of
incidents, reading each table once per chunk and inserting the versions in bulk.
"""

import bisect

from django.db import migrations
from django.db.models import Max, OuterRef, Subquery

CHUNK = 2000  # incidents per chunk

# As incidents/history.py has them at this migration (CONTENT_FIELDS and ROWS).
CONTENT_FIELDS = [
    "title",
    "narrative",
    "start_date",
    "end_date",
    "date_precision",
    "location_id",
    "geo_precision",
    "event_type_id",
    "sub_event_type_id",
    "civilian_targeting",
    "toll_unknown",
    "acled_event_id",
    "ucdp_id",
]
ROWS = {
    "casualties": (
        "HistoricalCasualty",
        ["group", "outcome", "low", "best", "high", "high_open", "note"],
        lambda row: (row["outcome"], row["group"], row["id"]),
    ),
    "actors": (
        "HistoricalIncidentActor",
        ["actor_id", "role"],
        lambda row: (row["role"], row["id"]),
    ),
    "citations": (
        "HistoricalCitation",
        ["source_id", "url", "title", "published_on", "excerpt"],
        lambda row: (row["published_on"] is None, row["published_on"] or 0, row["id"]),
    ),
}
CURRENT_MODELS = {"casualties": "Casualty", "actors": "IncidentActor", "citations": "Citation"}
REPORT_FIELDS = [
    "group",
    "outcome",
    "source_id",
    "qualifier",
    "figure",
    "figure_high",
    "reported_on",
    "quote",
]
STEPS = {"in_review": "submitted", "published": "published", "retracted": "retracted"}


def history_to_versions(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    HistoricalIncident = apps.get_model("incidents", "HistoricalIncident")
    IncidentVersion = apps.get_model("incidents", "IncidentVersion")
    # Incidents that still exist, and have no versions yet (migrated back and forth).
    ids = sorted(
        set(HistoricalIncident.objects.values_list("id", flat=True))
        & set(Incident.objects.values_list("pk", flat=True))
        - set(IncidentVersion.objects.values_list("incident_id", flat=True))
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        IncidentVersion.objects.bulk_create(_versions(apps, chunk), batch_size=500)
    last = (
        IncidentVersion.objects.filter(incident=OuterRef("pk"))
        .values("incident")
        .annotate(last=Max("number"))
        .values("last")
    )
    Incident.objects.filter(pk__in=IncidentVersion.objects.values("incident")).update(
        version=Subquery(last)
    )


def _versions(apps, incident_ids):
    """The IncidentVersion rows of a chunk of incidents (sorted ids).

    Rows are read by id range, which costs the database and the ORM far less than a list of
    ids; rows of incidents outside the chunk (deleted, or with versions already) are skipped.
    """
    wanted = set(incident_ids)
    first, last = incident_ids[0], incident_ids[-1]
    Incident = apps.get_model("incidents", "Incident")
    IncidentVersion = apps.get_model("incidents", "IncidentVersion")
    HistoricalIncident = apps.get_model("incidents", "HistoricalIncident")
    history_fields = ["history_date", "history_id", "history_type"]
    incident_rows = HistoricalIncident.objects.filter(id__gte=first, id__lte=last).order_by(
        "id", "history_date", "history_id"
    )
    incident_rows = incident_rows.values(
        "id",
        *history_fields,
        "history_change_reason",
        "history_user_id",
        "status",
        *CONTENT_FIELDS,
    )
    # Per incident and kind of row: the historical events, and the rows that never had any.
    events = {name: {} for name in ROWS}
    untracked = {name: {} for name in ROWS}
    for name, (model_name, fields, _order) in ROWS.items():
        model = apps.get_model("incidents", model_name)
        tracked = set()
        rows = model.objects.filter(incident_id__gte=first, incident_id__lte=last).order_by(
            "history_date", "history_id"
        )
        for row in rows.values("id", "incident_id", *history_fields, *fields):
            events[name].setdefault(row["incident_id"], []).append(row)
            tracked.add(row["id"])
        current = apps.get_model("incidents", CURRENT_MODELS[name]).objects
        for row in current.filter(incident_id__gte=first, incident_id__lte=last).values(
            "id", "incident_id", *fields
        ):
            if row["id"] not in tracked:
                untracked[name].setdefault(row["incident_id"], {})[row["id"]] = row
    tactics, related, reports = {}, {}, {}
    for incident_id, tactic_id in Incident.tactics.through.objects.filter(
        incident_id__gte=first, incident_id__lte=last
    ).values_list("incident_id", "tactic_id"):
        tactics.setdefault(incident_id, []).append(tactic_id)
    for incident_id, other_id in Incident.related.through.objects.filter(
        from_incident_id__gte=first, from_incident_id__lte=last
    ).values_list("from_incident_id", "to_incident_id"):
        related.setdefault(incident_id, []).append(other_id)
    SourceReport = apps.get_model("incidents", "SourceReport")
    for row in (
        SourceReport.objects.filter(incident_id__gte=first, incident_id__lte=last)
        .order_by("outcome", "group", "reported_on", "id")
        .values("incident_id", *REPORT_FIELDS)
    ):
        reports.setdefault(row.pop("incident_id"), []).append(row)

    by_incident = {}
    for row in incident_rows:
        if row["history_type"] != "-" and row["id"] in wanted:
            by_incident.setdefault(row["id"], []).append(row)
    versions = []
    for incident_id, rows in by_incident.items():
        # Each row event belongs to the incident row nearest in time: one admin save wrote the
        # incident and its rows within moments (the incident first, or last when only its
        # rows changed).
        instants = [row["history_date"] for row in rows]
        assigned = {name: [[] for _ in rows] for name in ROWS}
        for name in ROWS:
            for event in events[name].get(incident_id, []):
                assigned[name][_nearest(instants, event["history_date"])].append(event)
        state = {name: dict(untracked[name].get(incident_id, {})) for name in ROWS}
        previous_status = None
        for index, row in enumerate(rows):
            for name in ROWS:
                for event in assigned[name][index]:
                    if event["history_type"] == "-":
                        state[name].pop(event["id"], None)
                    else:
                        state[name][event["id"]] = event
            snapshot = {field: row[field] for field in CONTENT_FIELDS}
            for name, (_model, fields, order) in ROWS.items():
                snapshot[name] = [
                    {field: item[field] for field in fields}
                    for item in sorted(state[name].values(), key=order)
                ]
            snapshot["reports"] = reports.get(incident_id, [])
            snapshot["tactics"] = sorted(tactics.get(incident_id, []))
            snapshot["related"] = sorted(related.get(incident_id, []))
            versions.append(
                IncidentVersion(
                    incident_id=incident_id,
                    number=index + 1,
                    kind=_kind(row, previous_status),
                    recorded_at=row["history_date"],
                    recorded_by_id=row["history_user_id"],
                    reason=row["history_change_reason"] or "",
                    status=row["status"],
                    snapshot=snapshot,
                )
            )
            previous_status = row["status"]
    return versions


def _nearest(instants, instant):
    """The index of the instant (sorted) nearest to this one."""
    after = bisect.bisect_left(instants, instant)
    if after == 0:
        return 0
    if after == len(instants):
        return after - 1
    return after if instants[after] - instant < instant - instants[after - 1] else after - 1


def _kind(row, previous_status):
    reason = (row["history_change_reason"] or "").lower()
    if reason.endswith("import"):
        return "imported"
    if row["history_type"] == "+":
        return "created"
    if previous_status is not None and row["status"] != previous_status:
        if row["status"] == "draft":
            return "returned" if previous_status == "in_review" else "reinstated"
        return STEPS.get(row["status"], "edited")
    return "corrected" if row["status"] == "published" else "edited"


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_casualty_rows_to_reports"),
    ]

    operations = [
        migrations.RunPython(history_to_versions, migrations.RunPython.noop, elidable=True),
        migrations.DeleteModel(name="HistoricalCasualty"),
        migrations.DeleteModel(name="HistoricalCitation"),
        migrations.DeleteModel(name="HistoricalIncident"),
        migrations.DeleteModel(name="HistoricalIncidentActor"),
    ]
