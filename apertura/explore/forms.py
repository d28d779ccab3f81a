"""The GET forms of the map and chart pages, their choices taken from the table's columns."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apertura.datastore.engine.query import TableRef
from apertura.geo.matching import DEPARTMENT, MUNICIPALITY

from .charts import ChartParams
from .dimensions import Dimension
from .selectors import numeric_fields

AGGREGATE_CHOICES = [("count", _("number of rows")), ("sum", _("sum")), ("avg", _("average")),
                     ("min", _("smallest")), ("max", _("largest"))]


def _columns(fields) -> list[tuple[str, str]]:
    return [(f["name"], f.get("title") or f["name"]) for f in fields]


class MapForm(forms.Form):
    column = forms.ChoiceField(label=_("Places in column"))
    level = forms.ChoiceField(label=_("The column holds"), choices=[
        (DEPARTMENT, _("departments")), (MUNICIPALITY, _("municipalities"))])
    department_column = forms.ChoiceField(label=_("Department column (tells apart municipalities with the same "
                                                  "name)"), required=False)
    aggregate = forms.ChoiceField(label=_("Show"), choices=AGGREGATE_CHOICES[:3])
    measure = forms.ChoiceField(label=_("Of the column"), required=False)

    def __init__(self, table: TableRef, places: list[Dimension], data=None):
        department = next((d.name for d in places if d.kind == DEPARTMENT), "")
        numbers = numeric_fields(table)
        first = places[0] if places else None
        initial = {"column": first.name if first else "", "level": first.kind if first else DEPARTMENT,
                   "measure": numbers[0]["name"] if numbers else "",
                   "aggregate": "sum" if numbers else "count"}
        merged = {**initial, **{k: v for k, v in (data or {}).items() if k in self.base_fields}}
        if "department_column" not in merged:
            # Municipality names repeat across departments: a department column, when there is one, tells them apart.
            merged["department_column"] = department if merged["level"] == MUNICIPALITY else ""
        super().__init__(merged)
        texts = [f for f in table.fields if f["type"] in ("string", "integer")]
        self.fields["column"].choices = _columns(texts)
        self.fields["department_column"].choices = [("", _("none"))] + _columns(texts)
        self.fields["measure"].choices = [("", _("none (count rows)"))] + _columns(numbers)

    def clean(self):
        data = super().clean()
        if data.get("aggregate") != "count" and not data.get("measure"):
            data["aggregate"] = "count"
        if data.get("department_column") == data.get("column"):
            data["department_column"] = ""
        return data


class ChartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Chart"), choices=[("bar", _("bars")), ("line", _("line")),
                                                        ("point", _("points"))])
    x = forms.ChoiceField(label=_("Along the horizontal axis"))
    aggregate = forms.ChoiceField(label=_("Show"), choices=AGGREGATE_CHOICES)
    y = forms.ChoiceField(label=_("Of the column"), required=False)
    color = forms.ChoiceField(label=_("One colour for each value of"), required=False)

    def __init__(self, table: TableRef, data=None, *, default_x: str = ""):
        numbers = numeric_fields(table)
        initial = {"kind": "bar", "x": default_x or (table.fields[0]["name"] if table.fields else ""),
                   "aggregate": "sum" if numbers else "count", "y": numbers[0]["name"] if numbers else "",
                   "color": ""}
        super().__init__({**initial, **{k: v for k, v in (data or {}).items() if k in self.base_fields}})
        self.fields["x"].choices = _columns(table.fields)
        self.fields["y"].choices = [("", _("none (count rows)"))] + _columns(numbers)
        self.fields["color"].choices = [("", _("none"))] + _columns(table.fields)

    def clean(self):
        data = super().clean()
        if data.get("aggregate") != "count" and not data.get("y"):
            data["aggregate"] = "count"
        if data.get("color") and data.get("color") == data.get("x"):
            data["color"] = ""
        return data

    def params(self) -> ChartParams:
        data = self.cleaned_data
        return ChartParams(kind=data["kind"], x=data["x"], y=data["y"] if data["aggregate"] != "count" else "",
                           aggregate=data["aggregate"], color=data["color"])


class SaveChartForm(forms.Form):
    name = forms.CharField(label=_("Name of the chart"), max_length=200)
