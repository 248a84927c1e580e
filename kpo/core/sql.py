"""Small pieces of raw SQL the ORM cannot spell portably."""


def comma_joined(expression: str, vendor: str) -> str | None:
    """An aggregate joining `expression` over a group with commas (PostgreSQL, SQLite); None elsewhere."""
    return {
        "postgresql": f"STRING_AGG(({expression})::text, ',')",
        "sqlite": f"GROUP_CONCAT({expression})",
    }.get(vendor)
