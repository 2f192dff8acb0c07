import math

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, FloatField, OuterRef, Q
from django.db.models.functions import Cast, Cos, Power, Radians, Sin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..country_names import country_label
from ..outlines import outline_problem


def published_incidents():
    """Published incidents (the Incident model is defined after the places it points to)."""
    return apps.get_model("incidents", "Incident").objects.public()


class CountryQuerySet(models.QuerySet):
    def public(self):
        """Every country: countries are ISO 3166-1 reference data, whoever added them."""
        return self.all()


class Country(models.Model):
    """A country, identified by its ISO 3166-1 codes."""

    iso3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, unique=True)
    iso2 = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    objects = CountryQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.label

    def get_absolute_url(self):
        return reverse("incidents:country_detail", args=[self.iso3])

    @property
    def label(self):
        """The country's name in the reader's language ("Tchad" in French); `name` stays the
        English one the downloads write."""
        return country_label(self.iso3, self.name)


class AdminAreaQuerySet(models.QuerySet):
    def public(self):
        """Regions with an ISO 3166-2 code (reference data), and any other area once it holds
        the place of a published incident: a district or commune entered for a draft says
        what is being worked on."""
        public_places = Location.objects.public()
        return self.filter(
            ~Q(iso_code="")
            | (Q(level=1) & Exists(public_places.filter(admin1=OuterRef("pk"))))
            | (Q(level=2) & Exists(public_places.filter(admin2=OuterRef("pk"))))
            | (Q(level=3) & Exists(public_places.filter(admin3=OuterRef("pk"))))
        )

    def labelled(self):
        """[(id, label, country name), …] of these areas, each label its name followed by its
        country's, "Savanes (Togo)", when they lie in more than one country: Togo and Côte
        d'Ivoire both have a Savanes, Burkina Faso and Côte d'Ivoire a Sud-Ouest. Country names
        in the reader's language. One query."""
        rows = [
            (pk, name, country_label(iso3, country))
            for pk, name, iso3, country in self.order_by().values_list(
                "pk", "name", "country__iso3", "country__name"
            )
        ]
        several_countries = len({country for _pk, _name, country in rows}) > 1
        return [
            (pk, f"{name} ({country})" if several_countries else name, country)
            for pk, name, country in rows
        ]


class AdminArea(models.Model):
    """An administrative area of a country: admin1 (region), admin2 (district) or admin3."""

    class Level(models.IntegerChoices):
        ADMIN1 = 1, _("Region (admin1)")
        ADMIN2 = 2, _("District (admin2)")
        ADMIN3 = 3, _("Commune (admin3)")

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="admin_areas", verbose_name=_("country")
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name = models.CharField(_("name"), max_length=100)
    # ISO 3166-2 code where one exists (admin1 regions, e.g. ML-5 for Mopti).
    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=10, blank=True)

    objects = AdminAreaQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "level", "name", "id"]
        verbose_name = _("admin area")
        verbose_name_plural = _("admin areas")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "level", "parent", "name"], name="admin_area_unique_name"
            ),
            models.UniqueConstraint(
                fields=["iso_code"], condition=~Q(iso_code=""), name="admin_area_unique_iso_code"
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="admin_area_parent_iff_below_admin1",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("incidents:area_detail", args=[self.pk])

    @property
    def name_with_country(self):
        """ "Savanes (Togo)": the name where a bare one could be another country's area."""
        return f"{self.name} ({self.country.label})"

    def clean(self):
        if self.parent_id is not None:
            if self.parent.level != self.level - 1:
                raise ValidationError({"parent": _("The parent must be one level up.")})
            if self.parent.country_id != self.country_id:
                raise ValidationError({"parent": _("The parent must be in the same country.")})


EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def distance_km(latitude, longitude, other_latitude, other_longitude):
    """Great-circle (haversine) distance between two points in degrees, in kilometres: what
    LocationQuerySet.within_km measures in SQL."""
    lat1, lat2 = math.radians(float(latitude)), math.radians(float(other_latitude))
    dlat = lat2 - lat1
    dlon = math.radians(float(other_longitude) - float(longitude))
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class LocationQuerySet(models.QuerySet):
    def public(self):
        """Places of published incidents (see CountryQuerySet.public)."""
        return self.filter(Exists(published_incidents().filter(location=OuterRef("pk"))))

    def within_km(self, latitude, longitude, radius_km):
        """Places whose great-circle (haversine) distance from the point is at most radius_km.

        A latitude/longitude box around the circle is tested first, which is cheap; the exact
        distance is then computed only for the places inside the box. The box is the circle's
        exact bounds on the same sphere, so it never cuts off a place inside the circle: it
        spans every longitude when the circle covers a pole and continues across the
        antimeridian.
        """
        angle = radius_km / EARTH_RADIUS_KM  # the radius as an angle at the Earth's centre
        lat_margin = math.degrees(angle)
        box = Q(latitude__gte=latitude - lat_margin, latitude__lte=latitude + lat_margin)
        if abs(latitude) + lat_margin < 90:  # the circle covers no pole
            # The circle's easternmost and westernmost points lie poleward of its centre, at
            # asin(sin(angle) / cos(latitude)) of longitude: wider than angle / cos(latitude).
            ratio = min(1.0, math.sin(angle) / math.cos(math.radians(latitude)))
            lon_margin = math.degrees(math.asin(ratio))
            west, east = longitude - lon_margin, longitude + lon_margin
            longitudes = Q(longitude__gte=west, longitude__lte=east)
            if west < -180:
                longitudes |= Q(longitude__gte=west + 360)
            if east > 180:
                longitudes |= Q(longitude__lte=east - 360)
            box &= longitudes
        place_lat = Radians(Cast("latitude", FloatField()))
        place_lon = Radians(Cast("longitude", FloatField()))
        lat, lon = math.radians(latitude), math.radians(longitude)
        half_chord = Power(Sin((place_lat - lat) / 2), 2) + math.cos(lat) * Cos(place_lat) * Power(
            Sin((place_lon - lon) / 2), 2
        )
        # asin(sqrt(x)) <= d / 2R  <=>  x <= sin(d / 2R)^2 (both sides monotonic on [0, pi/2]).
        limit = math.sin(min(radius_km / (2 * EARTH_RADIUS_KM), math.pi / 2)) ** 2
        return self.filter(box).alias(half_chord=half_chord).filter(half_chord__lte=limit)


class Location(models.Model):
    """A named place with coordinates, inside a country's administrative hierarchy.

    The country and every admin level above the deepest one given are stored on the row (and
    filled in by save) so that "everything in Mopti region" is one indexed lookup.
    """

    name = models.CharField(_("name"), max_length=500)
    # Six decimals (about 10 cm), as UCDP GED and ACLED publish them: an imported place keeps
    # its coordinates exactly, so a re-import finds it again.
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        related_name="locations",
        blank=True,
        verbose_name=_("country"),
    )
    admin1 = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": AdminArea.Level.ADMIN1},
        verbose_name=_("region (admin1)"),
    )
    admin2 = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": AdminArea.Level.ADMIN2},
        verbose_name=_("district (admin2)"),
    )
    admin3 = models.ForeignKey(
        AdminArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"level": AdminArea.Level.ADMIN3},
        verbose_name=_("commune (admin3)"),
    )
    # A reviewer's word that the coordinates are right although they fall outside the
    # country's outline (incidents/outlines.py): why, who and when. Empty: the check applies.
    outline_override_reason = models.TextField(
        _("kept outside the country's outline because"),
        blank=True,
        help_text=_(
            "Reviewers only: why these coordinates are right although they fall outside the "
            "country's outline (a place at sea, a border drawn differently…)."
        ),
    )
    outline_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,
        verbose_name=_("kept outside the outline by"),
    )
    outline_override_at = models.DateTimeField(
        _("kept outside the outline at"), null=True, blank=True, editable=False
    )

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        # The public list sorted by place walks places in name order.
        indexes = [models.Index(fields=["name", "id"], name="location_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="location_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
        ]

    def __str__(self):
        region = self.admin1 or self.country
        return f"{self.name} ({region})" if region else self.name

    def save(self, *args, **kwargs):
        self.fill_hierarchy()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("incidents:place_detail", args=[self.pk])

    @property
    def admin_path(self):
        """The areas the place is in, smallest first: "Djenné, Mopti, Mali"."""
        areas = (self.admin3, self.admin2, self.admin1, self.country)
        return ", ".join(str(area) for area in areas if area is not None)

    def fill_hierarchy(self):
        """Set the levels above the deepest admin area given from that area's parents."""
        if self.admin3_id and not self.admin2_id:
            self.admin2 = self.admin3.parent
        if self.admin2_id and not self.admin1_id:
            self.admin1 = self.admin2.parent
        if not self.country_id:  # asked first: reading an area is a query when not cached
            deepest = self.admin3 or self.admin2 or self.admin1
            if deepest is not None:
                self.country_id = deepest.country_id

    def clean(self):
        errors = {}
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("Latitude must be between -90 and 90.")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("Longitude must be between -180 and 180.")
        self.fill_hierarchy()
        if not self.country_id:
            errors["country"] = _("Give the country or a region.")
        chain = [("admin1", self.admin1), ("admin2", self.admin2), ("admin3", self.admin3)]
        parent = None
        for field, area in chain:
            if area is None:
                break
            if area.country_id != self.country_id:
                errors[field] = _("%(area)s is not in %(country)s.") % {
                    "area": area,
                    "country": self.country,
                }
            elif parent is not None and area.parent_id != parent.pk:
                errors[field] = _("%(area)s is not in %(parent)s.") % {
                    "area": area,
                    "parent": parent,
                }
            parent = area
        if not errors and not self.outline_override_reason:
            problem = self.outline_problem()
            if problem:
                errors["latitude"] = _(
                    "%(problem)s Check the coordinates and the country; a reviewer can keep "
                    "them with a reason."
                ) % {"problem": problem}
        if errors:
            raise ValidationError(errors)

    def outline_problem(self):
        """What is wrong with the coordinates for the country (outlines.outline_problem), or
        None."""
        if self.latitude is None or self.longitude is None or not self.country_id:
            return None
        country = self.country
        return outline_problem(country.iso3, self.latitude, self.longitude, country.label)
