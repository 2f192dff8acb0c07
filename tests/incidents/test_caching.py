"""caching.remember: a result computed once, kept when it is worth keeping."""

from incidents.caching import public_incidents_changed, remember


def test_a_result_is_computed_once_then_remembered():
    answers = iter([1, 2])
    assert remember(["answer", 42], lambda: next(answers), 60) == 1
    assert remember(["answer", 42], lambda: next(answers), 60) == 1


def test_a_change_to_the_public_incidents_forgets_every_remembered_result():
    answers = iter([1, 2])
    assert remember(["answer", 43], lambda: next(answers), 60) == 1
    public_incidents_changed()
    assert remember(["answer", 43], lambda: next(answers), 60) == 2


def test_a_result_not_worth_keeping_is_computed_every_time():
    answers = iter([1, 2])
    assert remember(["small"], lambda: next(answers), 60, keep_if=lambda n: n > 5) == 1
    assert remember(["small"], lambda: next(answers), 60, keep_if=lambda n: n > 5) == 2


def test_a_written_import_forgets_remembered_results(
    db, tmp_path, django_capture_on_commit_callbacks
):
    from tests.incidents.test_csv_injection import import_acled

    answers = iter([1, 2])
    assert remember(["answer", 44], lambda: next(answers), 60) == 1
    with django_capture_on_commit_callbacks(execute=True):
        import_acled(tmp_path)
    assert remember(["answer", 44], lambda: next(answers), 60) == 2
