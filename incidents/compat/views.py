"""The ACLED- and UCDP-compatible read APIs' views: parse, query (acled_api, ucdp_api), respond."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from ..credits import credit, credits_json
from ..exports import dump
from ..spreadsheets import SafeWriter
from . import acled_api, ucdp_api


def acled_answer(read_page):
    """A view answering ACLED's way with read_page(params) → (format, fields, rows, datasets),
    datasets being the source_dataset codes of the incidents the rows describe or count."""

    @require_safe
    def view(request):
        try:
            answer, fields, rows, datasets = read_page(request.GET)
        except acled_api.BadParameter as error:
            return acled_error(str(error))
        if answer == "csv":
            # ACLED's columns only, as asked (`fields`): the Link header carries the terms.
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = SafeWriter(response)
            writer.writerow(fields)
            writer.writerows([row[name] for name in fields] for row in rows)
            return credit(response, datasets)
        # ACLED's clients (PyPI's `acled`, R's `acled.api`) read `success` and `data` and
        # ignore other keys: the credits are one more, after ACLED's own.
        body = {
            "status": 200,
            "success": True,
            "count": len(rows),
            "messages": [],
            "data": rows,
            "credits": credits_json(datasets),
        }
        return credit(HttpResponse(dump(body), content_type="application/json"), datasets)

    return view


def acled_error(message):
    """ACLED's error shape; its clients read error[0].message."""
    body = {"status": 400, "success": False, "error": [{"status": 400, "message": message}]}
    return JsonResponse(body, status=400)


acled_events = acled_answer(acled_api.event_page)
acled_deleted = acled_answer(acled_api.deleted_page)
acled_actors = acled_answer(acled_api.actor_page)
acled_actor_types = acled_answer(acled_api.actor_type_page)
acled_countries = acled_answer(acled_api.country_page)
acled_regions = acled_answer(acled_api.region_page)


@require_safe
def ucdp_events(request, version):
    """GED events; any `version` is answered with our current data (we keep no releases)."""

    def page_url(page):
        query = request.GET.copy()
        query["page"] = page
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    try:
        answer = ucdp_api.page_of_events(request.GET, page_url)
    except ucdp_api.BadParameter as error:
        return JsonResponse({"error": str(error)}, status=400)
    datasets = {entry["source_dataset"] for entry in answer["credits"]}
    return credit(HttpResponse(dump(answer), content_type="application/json"), datasets)
