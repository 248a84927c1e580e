"""The IANA zone names, read once per process: zoneinfo.available_timezones() walks the file system
(some six hundred files) each time it is called."""

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1)
def sorted_time_zone_names() -> tuple[str, ...]:
    return tuple(sorted(time_zone_names()))
