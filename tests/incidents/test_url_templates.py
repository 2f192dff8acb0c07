"""URL templates: a route reversed once, with a slot for each row's id."""

from django.test import RequestFactory
from django.urls import reverse

from incidents.url_templates import url_template


def test_a_url_template_gives_each_id_its_url():
    template = url_template("incidents:incident_detail")
    assert template.format(12) == reverse("incidents:incident_detail", args=[12])


def test_an_absolute_url_template_keeps_its_slot_unencoded():
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    template = url_template("incidents:incident_detail", slot="{id}", request=request)
    url = reverse("incidents:incident_detail", args=[12])
    assert template.replace("{id}", "12") == f"http://testserver{url}"
