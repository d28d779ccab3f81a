from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from . import selectors
from .models import Institution

router = Router(tags=["institutions"])


class InstitutionOut(Schema):
    acronym: str
    slug: str
    name_es: str
    name_en: str
    kind: str
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return obj.get_absolute_url()


@router.get("/", response=list[InstitutionOut], summary="List institutions")
@paginate
def list_institutions(request, kind: Institution.Kind | None = None):
    return selectors.institution_list(kind=kind)


@router.get("/{slug}", response=InstitutionOut, summary="Get one institution")
def get_institution(request, slug: str):
    return get_object_or_404(Institution, slug=slug)
