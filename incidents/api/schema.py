"""How the OpenAPI description documents the incident filters and the 400 answer.

drf-spectacular could find IncidentFilterSet's parameters by itself, but it would guess some
types wrong (`near` as an integer, an empty choice inside integer enums). So the parameters are
derived here from the filters: each is typed from its form field (with its bounds and choices)
and described by its filter's help_text, the one description of the parameter.
"""

from django import forms
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from ..filters import IncidentFilterSet, PointField

ANY_OF = "Repeat the parameter for any of several (`{name}=…&{name}=…`)."


def choices_text(choices):
    return "\n".join(f"* `{value}` - {label}" for value, label in choices)


def parameter(name, schema, description, *, many=False, enum=None):
    if many:
        description = f"{description} {ANY_OF.format(name=name)}"
    if enum is not None:
        description = f"{description}\n\n{choices_text(enum)}"
    return OpenApiParameter(
        name,
        type=schema,
        location=OpenApiParameter.QUERY,
        description=description,
        many=many or None,
        explode=True if many else None,
        style="form" if many else None,
        enum=[value for value, _label in enum] if enum is not None else None,
    )


def filter_parameters(filterset_class):
    """One query parameter per filter of `filterset_class`, described by its help_text."""
    filterset = filterset_class()
    return [
        filter_parameter(name, field, str(filterset.filters[name].extra["help_text"]))
        for name, field in filterset.form.fields.items()
    ]


def filter_parameter(name, field, description):
    """The parameter of one filter, typed from its form field."""
    many = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    if isinstance(field, forms.ModelChoiceField):
        model = field.queryset.model
        key = model._meta.get_field(field.to_field_name) if field.to_field_name else model._meta.pk
        schema = OpenApiTypes.INT if isinstance(key, models.IntegerField) else OpenApiTypes.STR
        return parameter(name, schema, description, many=many)
    if isinstance(field, forms.TypedChoiceField | forms.TypedMultipleChoiceField):
        # The empty choice is the panel's "any"; leaving the parameter out says the same.
        choices = [(value, str(label)) for value, label in field.choices if value != ""]
        if field.coerce is int:
            return parameter(name, OpenApiTypes.INT, description, many=many, enum=choices)
        if {value for value, _label in choices} == {"true", "false"}:
            return parameter(name, OpenApiTypes.BOOL, description)
        return parameter(name, OpenApiTypes.STR, description, many=many, enum=choices)
    if isinstance(field, forms.DateField):
        return parameter(name, OpenApiTypes.DATE, description)
    if isinstance(field, PointField):
        return parameter(name, {"type": "string", "example": field.example}, description)
    if isinstance(field, forms.IntegerField | forms.FloatField):
        # A FloatField is an IntegerField to Django.
        schema = {"type": "number" if isinstance(field, forms.FloatField) else "integer"}
        schema |= bounds(minimum=field.min_value, maximum=field.max_value)
        return parameter(name, schema, description)
    if isinstance(field, forms.CharField):
        return parameter(
            name, {"type": "string", **bounds(maxLength=field.max_length)}, description
        )
    raise TypeError(f"No OpenAPI type for the filter {name} ({type(field).__name__}).")


def bounds(**limits):
    return {key: limit for key, limit in limits.items() if limit is not None}


# In English whatever language the request that first imports this module was in: the
# description is written once, and the documentation is in English.
with translation.override("en"):
    INCIDENT_FILTER_PARAMETERS = filter_parameters(IncidentFilterSet)

INCIDENT_ID = OpenApiParameter(
    "id",
    OpenApiTypes.INT,
    location=OpenApiParameter.PATH,
    description="The incident's id, as in its page's address /incidents/<id>/.",
)

BAD_PARAMETERS = OpenApiResponse(
    inline_serializer(
        "Errors",
        {
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text='Messages by parameter: {"date_from": ["Enter a valid date."]}.',
            )
        },
    ),
    description="A parameter has a bad value: the messages say which and why.",
)


# The rule on languages, said in the OpenAPI description (add_language_rule) and by /api/.
LANGUAGE_RULE = _(
    "Languages: messages (the errors of a 400 answer, the descriptions /api/ gives) are in "
    "English unless the request asks for French with the header `Accept-Language: fr`; the "
    "ACLED- and UCDP-compatible APIs follow the same rule. The names of fields and parameters, "
    "codes and values are the same in every language, as are the CSV, JSON and GeoJSON "
    "downloads. This documentation is in English."
)


def add_language_rule(result, generator, request, public):
    """drf-spectacular postprocessing hook: the OpenAPI description ends with LANGUAGE_RULE."""
    info = result.setdefault("info", {})
    info["description"] = "\n\n".join(
        text for text in (info.get("description"), str(LANGUAGE_RULE)) if text
    )
    return result
