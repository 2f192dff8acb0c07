"""caching.remember: a result computed once, kept when it is worth keeping, and never served
after the published incidents changed (the public data version, incidents/counts.py)."""

from django.core.cache import cache
from django.utils import timezone

from incidents.caching import remember
from incidents.choices import Status
from incidents.models import Incident
from tests.factories import IncidentFactory, UserFactory


def test_a_result_is_computed_once_then_remembered(db):
    answers = iter([1, 2])
    assert remember(["answer", 42], lambda: next(answers), 60) == 1
    assert remember(["answer", 42], lambda: next(answers), 60) == 1


def test_a_publication_forgets_every_remembered_result(db):
    incident = IncidentFactory(status=Status.DRAFT)
    answers = iter([1, 2])
    assert remember(["answer", 43], lambda: next(answers), 60) == 1
    # A bare UPDATE, as any write path: the database's trigger moves the version on.
    Incident.objects.filter(pk=incident.pk).update(
        status=Status.PUBLISHED, published_at=timezone.now()
    )
    assert remember(["answer", 43], lambda: next(answers), 60) == 2


def test_a_retraction_forgets_every_remembered_result(db):
    incident = IncidentFactory()
    answers = iter([1, 2])
    assert remember(["answer", 45], lambda: next(answers), 60) == 1
    incident.retract(by=UserFactory(username="reviewer", group="Reviewer"), reason="Wrong date")
    assert remember(["answer", 45], lambda: next(answers), 60) == 2


def test_an_edit_of_a_draft_keeps_what_was_remembered(db):
    incident = IncidentFactory(status=Status.DRAFT)
    answers = iter([1, 2])
    assert remember(["answer", 46], lambda: next(answers), 60) == 1
    Incident.objects.filter(pk=incident.pk).update(title="Still a draft")
    assert remember(["answer", 46], lambda: next(answers), 60) == 1


def test_an_emptied_cache_computes_afresh(db):
    answers = iter([1, 2])
    assert remember(["answer", 47], lambda: next(answers), 60) == 1
    cache.clear()
    assert remember(["answer", 47], lambda: next(answers), 60) == 2


def test_a_result_not_worth_keeping_is_computed_every_time(db):
    answers = iter([1, 2])
    assert remember(["small"], lambda: next(answers), 60, keep_if=lambda n: n > 5) == 1
    assert remember(["small"], lambda: next(answers), 60, keep_if=lambda n: n > 5) == 2


def test_a_written_import_forgets_remembered_results(db, tmp_path):
    from tests.incidents.test_csv_injection import import_acled

    answers = iter([1, 2])
    assert remember(["answer", 44], lambda: next(answers), 60) == 1
    import_acled(tmp_path)
    assert remember(["answer", 44], lambda: next(answers), 60) == 2
