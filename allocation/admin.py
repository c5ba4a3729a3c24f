"""Django admin of the allocation app: the CRCs' first-appointment reporting instructions,
configured by system administrators (``allocation.instructions`` chooses among them).
Allocation decisions are case data and are not registered here."""

from django import forms
from django.contrib import admin

from allocation.models import ReportingInstruction
from probation.models import Organisation


class ReportingInstructionForm(forms.ModelForm):
    class Meta:
        model = ReportingInstruction
        fields = ("crc", "ldu", "office", "address", "telephone", "instructions")
        help_texts = {
            "ldu": "Leave empty for the CRC's default, used in every LDU without its own",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crc"].queryset = Organisation.objects.crcs()
        self.fields["ldu"].queryset = Organisation.objects.ldus().order_by("code")

    def clean(self):
        data = super().clean()
        crc, ldu = data.get("crc"), data.get("ldu")
        if crc is not None and ldu is not None and ldu.crc_id != crc.pk:
            self.add_error("ldu", f"{ldu.name} is not in the Contract Package Area of {crc.name}")
        return data


@admin.register(ReportingInstruction)
class ReportingInstructionAdmin(admin.ModelAdmin):
    form = ReportingInstructionForm
    list_display = ("crc", "where", "office", "telephone", "updated_at")
    list_select_related = ("crc", "ldu")
    list_filter = (("crc", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("office", "crc__name", "crc__code", "ldu__name", "ldu__code")
    ordering = ("crc__cpa_number", "ldu__code")

    @admin.display(description="Applies to", ordering="ldu__code")
    def where(self, instruction):
        return instruction.ldu.name if instruction.ldu_id else "Default (every other LDU)"
