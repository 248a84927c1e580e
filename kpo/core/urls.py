"""URLs of objects by id, reversed once per pattern instead of once per object; URLs without arguments
(the header's links on every page) reversed once per process.

`reverse()` walks the URL resolver on every call (tens of microseconds); a board of a hundred cards with
three links each spent milliseconds there. A URL whose only argument is an integer id is reversed once
per process and script prefix with a marker id, and filled in after.
"""

import functools

from django.urls import get_script_prefix, reverse

_MARKER = 987654321987654321


@functools.lru_cache(maxsize=128)
def _around_id(name: str, script_prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_MARKER])
    before, found, after = url.rpartition(str(_MARKER))
    if not found:  # pragma: no cover - every pattern passed here takes the id as it is
        raise ValueError(f"{name} does not put its argument in the path")
    return before, after


def reverse_id(name: str, pk: int) -> str:
    """`reverse(name, args=[pk])` for a pattern whose one argument is an integer id."""
    before, after = _around_id(name, get_script_prefix())
    return f"{before}{int(pk)}{after}"


@functools.lru_cache(maxsize=128)
def _fixed(name: str, script_prefix: str) -> str:
    return reverse(name)


def reverse_fixed(name: str) -> str:
    """`reverse(name)` for a pattern without arguments: the same for every request of this process."""
    return _fixed(name, get_script_prefix())
