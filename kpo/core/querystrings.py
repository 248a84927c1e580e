"""Query-string helpers shared by the list pages."""

from django.http import QueryDict


def without_blank_fields(query: QueryDict) -> QueryDict:
    """The query without its empty fields: a filter form submitted with "any" everywhere filters nothing
    (an empty `status=` would otherwise be an invalid choice)."""
    filled = query.copy()
    for key in list(filled):
        values = [value for value in filled.getlist(key) if value.strip()]
        if values:
            filled.setlist(key, values)
        else:
            del filled[key]
    return filled
