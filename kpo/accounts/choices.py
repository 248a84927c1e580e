"""Organisation kinds and membership roles, as data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    CLIENT = "client", _("Client")
    PROVIDER = "provider", _("Provider")
    CONSULTANCY = "consultancy", _("Consultancy")


class Role(models.TextChoices):
    CLIENT_STAFF = "client_staff", _("Client staff")
    CLIENT_SME = "client_sme", _("Client SME (reviewer)")
    CLIENT_ADMIN = "client_admin", _("Client admin")
    PROVIDER_MANAGER = "provider_manager", _("Provider manager")
    PROVIDER_ANALYST = "provider_analyst", _("Provider analyst")
    CONSULTANT_EXECUTIVE = "consultant_executive", _("Consultant: executive")
    CONSULTANT_ANALYST = "consultant_analyst", _("Consultant: analyst")
    CONSULTANT_BROKER = "consultant_broker", _("Consultant: broker")
    CONSULTANT_RECRUITER = "consultant_recruiter", _("Consultant: recruiter")


CLIENT_ROLES = frozenset({Role.CLIENT_STAFF, Role.CLIENT_SME, Role.CLIENT_ADMIN})
PROVIDER_ROLES = frozenset({Role.PROVIDER_MANAGER, Role.PROVIDER_ANALYST})
CONSULTANT_ROLES = frozenset(
    {Role.CONSULTANT_EXECUTIVE, Role.CONSULTANT_ANALYST, Role.CONSULTANT_BROKER, Role.CONSULTANT_RECRUITER}
)

# Which roles an organisation of each kind may grant. Consultants sit in a consultancy or a provider.
ROLES_BY_ORGANISATION_KIND = {
    OrganisationKind.CLIENT: CLIENT_ROLES,
    OrganisationKind.PROVIDER: PROVIDER_ROLES | CONSULTANT_ROLES,
    OrganisationKind.CONSULTANCY: CONSULTANT_ROLES,
}
