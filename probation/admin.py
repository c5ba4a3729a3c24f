"""Django admin for system administrators: staff accounts, teams, vetting and reference
data. No case data is registered here: people on probation are reached only through the
scoped pages and API (probation.access)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from probation.models import Organisation, Team, User, VettingRecord


class VettingInline(admin.StackedInline):
    model = VettingRecord
    can_delete = False


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "kind", "organisation", "is_active")
    list_filter = ("kind", "organisation__kind", "is_active", "groups")
    list_select_related = ("organisation",)
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Organisation", {"fields": ("kind", "organisation", "team")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Organisation", {"fields": ("kind", "organisation", "team")}),
    )
    raw_id_fields = ("team",)
    inlines = (VettingInline,)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "ldu")
    list_select_related = ("organisation", "ldu")
    search_fields = ("name",)
    list_filter = ("organisation__kind",)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "kind", "parent", "cpa_number", "active")
    list_select_related = ("parent",)
    list_filter = ("kind", "active")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False  # reference data is retired (active=False), never deleted
