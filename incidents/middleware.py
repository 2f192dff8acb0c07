"""Requests refused before any view reads them."""

from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .credits import add_credit_links


class RefuseNulCharacters:
    """Answer 400 to a request with a NUL character in its path or a parameter.

    No value of this site may hold one: PostgreSQL stores and compares no NUL in text, so a
    parameter carrying one would reach the database as an error (a 500) wherever a view uses
    the raw value. Refusing it here covers every view, the admin included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        names = [name for name, values in request.GET.lists() if _has_nul(name, *values)]
        if "\x00" in request.path:
            names.append("path")
        if not names:
            return self.get_response(request)
        message = _("Null characters are not allowed.")
        # The API and the downloads (/incidents.csv …) answer their errors in JSON.
        last_part = request.path.rsplit("/", 1)[-1]
        if request.path.startswith("/api/") or "." in last_part:
            return JsonResponse({"errors": {name: [message] for name in names}}, status=400)
        return render(request, "400.html", {"message": message}, status=400)


def _has_nul(*texts):
    return any("\x00" in text for text in texts)


# The downloads of the incident list, whose Link header also names the list page they were taken
# from, to cite.
CITED_VIEWS = {"incident_download"}


class CreditLinks:
    """The HTTP Link header naming the terms of the datasets an answer's incidents come from
    (and, on a download, the list page it was taken from, to cite): every format keeps its
    own body, and a script that reads headers finds the licence.

    The view says which datasets its answer holds (credits.credit(response, codes)), from the
    incidents it read: API answers and downloads do; pages, and answers holding no incident
    (a reference list, an error), carry no Link header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        codes = getattr(response, "credited_datasets", None)
        if codes is None:
            return response
        match = request.resolver_match
        cite_as = None
        if match is not None and match.url_name in CITED_VIEWS:
            list_page = reverse("incidents:incident_list")
            query = request.GET.urlencode()
            cite_as = request.build_absolute_uri(f"{list_page}?{query}" if query else list_page)
        return add_credit_links(response, codes, cite_as=cite_as)
