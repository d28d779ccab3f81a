from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import paginate

from . import selectors
from .models import Institution
from .schemas import InstitutionOut

router = Router(tags=["institutions"])


@router.get("/", response=list[InstitutionOut], summary="List institutions")
@paginate
def list_institutions(request, kind: Institution.Kind | None = None):
    return selectors.institution_list(kind=kind)


@router.get("/{slug}", response=InstitutionOut, summary="Get one institution")
def get_institution(request, slug: str):
    try:
        return selectors.institution_get(slug=slug)
    except Institution.DoesNotExist:
        raise HttpError(404, f"there is no institution {slug}") from None
