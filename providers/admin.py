from django.contrib import admin

from .models import (
    Candidate,
    Certification,
    Consultant,
    Provider,
    ProviderSite,
    RateCard,
    RateCardEntry,
    ServiceLine,
    TeamMember,
)


@admin.register(ServiceLine)
class ServiceLineAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class ProviderSiteInline(admin.TabularInline):
    model = ProviderSite
    extra = 0


class CertificationInline(admin.TabularInline):
    model = Certification
    extra = 0


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "time_zone", "headcount")
    list_filter = ("country", "service_lines", "certifications__standard")
    search_fields = ("name", "description", "languages")
    filter_horizontal = ("service_lines",)
    inlines = [ProviderSiteInline, CertificationInline]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("provider", "standard", "issued_on", "expires_on")
    list_filter = ("standard",)
    search_fields = ("provider__name", "certificate_number")


class RateCardEntryInline(admin.TabularInline):
    model = RateCardEntry
    extra = 0


@admin.register(RateCard)
class RateCardAdmin(admin.ModelAdmin):
    list_display = ("provider", "name", "currency", "valid_from", "valid_until")
    list_filter = ("currency", "provider")
    search_fields = ("provider__name", "name")
    inlines = [RateCardEntryInline]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ("full_name", "provider", "role", "is_active", "user")
    list_filter = ("provider", "role", "is_active")
    search_fields = ("full_name", "skills", "user__email")
    list_select_related = ("provider", "user")
    raw_id_fields = ("user",)


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = ("user", "headline")
    search_fields = ("user__email", "user__full_name", "headline")
    filter_horizontal = ("service_lines",)
    list_select_related = ("user",)


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ("full_name", "stage", "source", "provider", "recruiter", "created_at")
    list_filter = ("stage", "source", "provider")
    search_fields = ("full_name", "email", "skills", "education")
    list_select_related = ("provider", "recruiter")
    raw_id_fields = ("recruiter", "team_member")
