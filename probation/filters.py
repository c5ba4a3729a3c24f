"""FilterSets shared by pages and API lists (django-filter)."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from probation.models import Organisation, OrganisationKind, Person, PersonAlias
from probation.rules import normalise_pnc


class PersonFilter(django_filters.FilterSet):
    crn = django_filters.CharFilter(method="filter_crn", label="CRN")
    pnc_number = django_filters.CharFilter(method="filter_pnc", label="PNC number")
    name = django_filters.CharFilter(method="filter_name", label="Name")
    date_of_birth = django_filters.DateFilter(label="Date of birth")

    class Meta:
        model = Person
        fields = ["crn", "pnc_number", "name", "date_of_birth"]

    def filter_crn(self, queryset, name, value):
        return queryset.filter(crn=value.strip().upper())

    def filter_pnc(self, queryset, name, value):
        return queryset.filter(pnc_number=normalise_pnc(value) or value.strip().upper())

    def filter_name(self, queryset, name, value):
        for term in value.split()[:4]:
            alias = PersonAlias.objects.filter(person=OuterRef("pk")).filter(
                Q(first_name__istartswith=term) | Q(last_name__istartswith=term)
            )
            queryset = queryset.filter(
                Q(first_name__istartswith=term) | Q(last_name__istartswith=term) | Exists(alias)
            )
        return queryset


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="Parent code")
    crc = django_filters.CharFilter(field_name="crc__code", label="CRC code")
    division = django_filters.CharFilter(field_name="division__code", label="Division code")

    class Meta:
        model = Organisation
        fields = ["kind", "parent", "crc", "division"]
