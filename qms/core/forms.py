from django import forms
from django.utils.translation import gettext_lazy as _

from .calendar import MAX_SPAN_DAYS, LimitUnit
from .models import User


class LanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language"]


class DeadlineForm(forms.Form):
    """The desk's calculator: when is a dossier received now with this limit due?"""

    received_at = forms.DateTimeField(
        label=_("Thời điểm tiếp nhận"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M"],
    )
    value = forms.IntegerField(label=_("Thời hạn"), min_value=0, max_value=MAX_SPAN_DAYS)
    unit = forms.ChoiceField(label=_("Đơn vị"), choices=LimitUnit.choices)
