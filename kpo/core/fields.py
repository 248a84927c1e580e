"""Shared field helpers: money (Decimal + ISO 4217 code) and country codes."""

from django.core.validators import RegexValidator
from django.db import models

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 currency code, e.g. EUR.")
country_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 country code, e.g. IN.")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def currency_field(**kwargs) -> models.CharField:
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("default", "EUR")
    kwargs.setdefault("validators", [currency_validator])
    return models.CharField("currency", **kwargs)


def country_field(**kwargs) -> models.CharField:
    kwargs.setdefault("max_length", 2)
    kwargs.setdefault("validators", [country_validator])
    return models.CharField("country", **kwargs)


def currency_check(field: str, name: str) -> models.CheckConstraint:
    """Database guard for a currency column: three upper-case letters."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__regex": r"^[A-Z]{3}$"}), name=name)
