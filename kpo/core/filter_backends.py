"""The API's filter backend (a module of its own: DRF imports it while `rest_framework.generics` loads)."""

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filterset's parameters.

    Building the filter form (its choice fields call the selectors for their querysets) cost more than
    the whole SQL of a 50-row task page, for a result that filters nothing. A parameter belongs to a
    filter when it is the filter's name or a suffixed part of it (`<name>_min`, `<name>_after`).
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(params, filter_names) -> bool:
    return any(key == name or key.startswith(name + "_") for key in params for name in filter_names)
