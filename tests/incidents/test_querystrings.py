"""Links edit the query they come from: edit_query keeps everything else, in its order."""

import pytest
from django.http import QueryDict

from incidents.querystrings import edit_query, with_query


@pytest.mark.parametrize(
    ("query", "new_params", "remove", "edited"),
    [
        # Empty values (a submitted form's blank fields) never reach a link.
        ("q=&admin1=3&date_from=", None, (), "admin1=3"),
        # A name removes all its values, a (name, value) pair only that value.
        ("admin1=3&admin1=7&sort=-killed&page=2", None, ["page"], "admin1=3&admin1=7&sort=-killed"),
        ("admin1=3&admin1=7&sort=-killed", None, [("admin1", "3")], "admin1=7&sort=-killed"),
        # New values replace a parameter's own, in place; a new parameter comes last.
        (
            "date_from=2022-06-01&admin1=3",
            {"date_from": ["2023-01-01"]},
            (),
            "date_from=2023-01-01&admin1=3",
        ),
        ("admin1=3", {"event_type": ["battles"], "x": [""]}, (), "admin1=3&event_type=battles"),
        ("near=16.27%2C-0.04", None, (), "near=16.27%2C-0.04"),
    ],
)
def test_edit_query_keeps_the_rest_of_the_query(query, new_params, remove, edited):
    original = QueryDict(query)
    assert edit_query(original, new_params, remove).urlencode() == edited
    assert original.urlencode() == QueryDict(query).urlencode()  # the request's own is untouched


def test_with_query_leaves_a_bare_path_without_parameters():
    assert with_query("/incidents/", QueryDict("sort=-killed")) == "/incidents/?sort=-killed"
    assert with_query("/incidents/", QueryDict()) == "/incidents/"
