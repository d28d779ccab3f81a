"""Apertura's own Table Schema field property: the disaggregation a column carries (Frictionless lets a profile
add namespaced properties; clients that do not know it ignore it)."""

from django.utils.translation import gettext_lazy as _

DIMENSION = "apertura:dimension"
DIMENSION_KINDS = {
    "sex": _("sex"), "age_group": _("age group"), "department": _("department"), "municipality": _("municipality"),
    "ethnicity": _("ethnicity"), "education_level": _("education level"),
}
