"""Every route of the project that takes a parameter in its URL, found by walking the URL resolver.

Both `path()` converters (`<int:pk>`) and regex groups (DRF routers: `(?P<pk>[0-9]{1,18})`,
`(?P<pk>[^/.]+)`) count, including groups of the includes a route sits under. The Django admin (its own
permission model, staff only) and the API schema and its docs (no object) are left out.
"""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED_NAMESPACES = frozenset({"admin"})
SKIPPED_NAMES = frozenset({"api:schema", "api:docs"})


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" as reverse() takes it, or the pattern itself when the route has no name
    namespace: str
    pattern: str  # the full pattern as written, for messages
    params: tuple[str, ...]  # named groups, then "<positional>" for any unnamed one
    methods: (
        frozenset[str] | None
    )  # a DRF viewset route's methods (its `actions`, HEAD aside); None otherwise

    @property
    def is_api(self) -> bool:
        return self.methods is not None


def _params(pattern) -> tuple[str, ...]:
    regex = pattern.regex
    named = tuple(regex.groupindex)
    return named + ("<positional>",) * (regex.groups - len(named))


def walk(patterns=None, *, prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()):
    """Yield a Route for every leaf pattern under `patterns` (the root URLconf by default)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        here = params + _params(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(
                entry.url_patterns, prefix=prefix + str(entry.pattern), namespace=inner, params=here
            )
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = pattern  # an unnamed route is named by its pattern
            if entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
            actions = getattr(entry.callback, "actions", None)
            # DRF routes HEAD to the GET action: trying GET covers it.
            methods = frozenset(m.upper() for m in actions if m != "head") if actions else None
            yield Route(name=name, namespace=namespace, pattern=pattern, params=here, methods=methods)


def id_routes() -> dict[str, Route]:
    """The routes with a URL parameter, by name, minus the admin and the API schema/docs."""
    found = {}
    for route in walk():
        if route.namespace.split(":", 1)[0] in SKIPPED_NAMESPACES or route.name in SKIPPED_NAMES:
            continue
        if route.params:
            found[route.name] = route
    return found
