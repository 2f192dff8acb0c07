"""The Atom feed of corrections: what changed in published incidents, and why."""

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .corrections import public_corrections, with_summaries

FEED_ITEMS = 50


class LatestCorrectionsFeed(Feed):
    feed_type = Atom1Feed
    title = _("incidentdb: corrections to published incidents")
    subtitle = _("What changed in a published incident's figures, date, place, type or actors.")
    link = reverse_lazy("incidents:correction_list")

    def items(self):
        return with_summaries(public_corrections()[:FEED_ITEMS])

    def item_title(self, correction):
        return gettext("%(title)s: %(summary)s") % {
            "title": correction.incident.title,
            "summary": correction.text,
        }

    def item_description(self, correction):
        return correction.reason

    def item_link(self, correction):
        return f"{correction.incident.get_absolute_url()}#correction-{correction.pk}"

    def item_pubdate(self, correction):
        return correction.corrected_at

    def item_updateddate(self, correction):
        return correction.corrected_at
