import pytest


@pytest.fixture(autouse=True)
def _registers(db):
    """The seeded licenses and themes (a transactional test's flush removes what the migration wrote)."""
    from apertura.catalog.registers import seed

    seed()


@pytest.fixture
def ine_editor(make_user, institutions):
    return make_user("editor", "INE")


@pytest.fixture
def make_dataset(admin, institutions):
    """make_dataset("escuelas", "MINEDUC", title=…, tags=[…], state="published")."""
    from apertura.catalog.services import dataset_create

    def make(name, acronym="INE", **values):
        values.setdefault("title", name.replace("-", " ").title())
        values.setdefault("description", f"Description of {name}.")
        values.setdefault("license", "CC-BY-4.0")
        values.setdefault("state", "published")
        return dataset_create(by=admin, publisher=institutions[acronym], name=name, **values)

    return make


@pytest.fixture
def small_catalog(make_dataset, admin):
    """Three published datasets and a draft, with resources: what search, the API and DCAT tests read."""
    from apertura.catalog.services import resource_add

    census = make_dataset(
        "censo-poblacion-2018", title="Censo de población 2018", description="Población por municipio, **XII** censo.",
        tags=["población", "censo"], themes=["soci"], spatial=["0101", "16"], temporal_start="2018",
        temporal_end="2018-07", frequency="IRREG", legal_basis="Decreto 57-2008 art. 10 num. 4",
        contact_name="INE datos", contact_email="datos@ine.gob.gt")
    resource_add(dataset=census, by=admin, title="Tabla CSV", url="https://example.org/censo.csv")
    schools = make_dataset(
        "escuelas", "MINEDUC", title="Establecimientos educativos", description="Escuelas públicas y privadas.",
        tags=["educación", "escuelas"], themes=["educ"], spatial=["01"], license="CC0-1.0")
    resource_add(dataset=schools, by=admin, title="Listado", url="https://example.org/escuelas.json",
                 format="JSON")
    budget = make_dataset("presupuesto-educacion", "MINEDUC", title="Presupuesto de educación",
                          description="Ejecución presupuestaria del ministerio de educación.",
                          tags=["presupuesto"], themes=["econ", "educ"], license="other-closed")
    draft = make_dataset("borrador", state="draft", title="Borrador secreto")
    return {"census": census, "schools": schools, "budget": budget, "draft": draft}


@pytest.fixture(autouse=True)
def _messages_in_english():
    """These tests read the messages services raise, which follow the active language (Spanish by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
