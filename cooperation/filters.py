# TEMPORARY stand-in on the reports branch until the items branch (which owns this module)
# lands on main; at the merge, the items branch's version replaces this file entirely.
import django_filters

from .choices import Category, Health, Status
from .models import CooperationItem


class ItemFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    health = django_filters.MultipleChoiceFilter(choices=Health.choices)

    class Meta:
        model = CooperationItem
        fields = ["agreement", "category", "status", "health"]
