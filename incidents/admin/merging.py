"""A stale change form merged with what changed since it was opened (a three-way merge).

When an editor saves a form opened at an older version, their input is shown again to be
saved over the current version. Shown as posted, every field and row they did not touch would
still hold the old value, and saving it would undo the other person's change without anyone
noticing. So the form is shown with the current value of each field and each kind of row the
editor left as it was when they opened the form, and with their own value wherever they
changed something. Where both changed the same thing, the editor's value is kept and the
conflict page lists the other person's change beside it.
"""

import datetime

from django.core.exceptions import FieldDoesNotExist

from ..history import ROWS

# The inline formsets' prefixes (the incident's related names) and the snapshot's row kinds.
ROW_KINDS = {
    "casualties": "casualties",
    "source_reports": "reports",
    "incident_actors": "actors",
    "citations": "citations",
}


def merged_post(post, form_class, incident, opened_state):
    """The POST data with the editor's changes (relative to opened_state, the snapshot of the
    version they opened) applied over the incident as it now is. Returns (data, yours): yours
    names the fields and kinds of rows the editor changed."""
    data = post.copy()
    bound = form_class(post, instance=incident)
    current = form_class(instance=incident)
    yours = []
    for name, field in bound.fields.items():
        model_field = _model_field(incident, name)
        if model_field is None or field.disabled:
            continue
        if field.has_changed(_opened_value(model_field, opened_state), bound[name].data):
            yours.append(name)
        else:
            _put(data, bound.add_prefix(name), current[name].value())
    for prefix, kind in ROW_KINDS.items():
        if f"{prefix}-TOTAL_FORMS" not in post:
            continue  # the editor could not edit these rows
        if _posted_rows(post, prefix, kind) != _normalised(opened_state.get(kind, []), kind):
            yours.append(kind)
        else:
            _put_current_rows(data, prefix, getattr(incident, ROWS[kind][0]).all())
    return data, yours


def _model_field(incident, name):
    try:
        return incident._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field: the version token, the reason
        return None


def _opened_value(model_field, state):
    if model_field.many_to_many:
        return state.get(model_field.name, [])
    value = state.get(model_field.attname)
    return model_field.to_python(value) if value is not None else None


def _put(data, key, value):
    """Write a value into form data as a widget would post it."""
    if isinstance(value, list | tuple):
        data.setlist(key, [str(item.pk if hasattr(item, "pk") else item) for item in value])
    elif isinstance(value, bool):
        if value:
            data[key] = "on"
        else:
            data.pop(key, None)
    elif value is None:
        data[key] = ""
    elif isinstance(value, datetime.date):
        data[key] = value.isoformat()
    else:
        data[key] = str(getattr(value, "pk", value))


def _posted_rows(post, prefix, kind):
    """The rows of one inline formset as posted, in the snapshot's terms, sorted."""
    fields = ROWS[kind][1]
    rows = []
    try:
        total = int(post.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        return None
    for index in range(min(total, 1000)):
        key = f"{prefix}-{index}-"
        if post.get(key + "DELETE"):
            continue
        row = {field: post.get(key + field.removesuffix("_id"), "") for field in fields}
        if "high_open" in row:
            row["high_open"] = "on" if row["high_open"] else ""
        if not any(value for name, value in row.items() if name not in DEFAULTED):
            continue  # an extra form left blank
        rows.append(_row_key(row, kind))
    return sorted(rows)


# Fields that a blank extra form posts with a value (their choice defaults), so they do not
# make a row.
DEFAULTED = {"group", "outcome", "qualifier", "role", "high_open"}


def _normalised(rows, kind):
    return sorted(_row_key(row, kind) for row in rows)


def _row_key(row, kind):
    values = dict(row)
    if kind == "casualties":
        # A blank low or high is the best figure (Casualty.fill_estimates).
        for bound in ("low", "high"):
            if values.get(bound) in ("", None):
                values[bound] = values.get("best")
        values["high_open"] = values.get("high_open") in (True, "on")
    return tuple(
        "" if values.get(field) is None else str(values.get(field)) for field in ROWS[kind][1]
    )


def _put_current_rows(data, prefix, rows):
    """Replace one formset's posted rows with the incident's current rows."""
    for key in [key for key in data if key.startswith(f"{prefix}-")]:
        del data[key]
    rows = list(rows)
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
    data[f"{prefix}-MIN_NUM_FORMS"] = "0"
    data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    for index, row in enumerate(rows):
        key = f"{prefix}-{index}-"
        data[key + "id"] = str(row.pk)
        data[key + "incident"] = str(row.incident_id)
        for field in row._meta.concrete_fields:
            if field.primary_key or field.name == "incident":
                continue
            _put(data, key + field.name, getattr(row, field.attname))
