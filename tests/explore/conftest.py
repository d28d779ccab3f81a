import pytest

from apertura.institutions.models import Institution

# Deaths by violence, shaped like a real ministry export: places as names in several spellings, a code column,
# sex and age group, and one place nobody can find.
VIOLENCE_CSV = """departamento,municipio,cod_muni,sexo,grupo_edad,casos,monto
Quiché,Chichicastenango,1406,Mujer,15-19,3,10.5
QUICHE,Santa Cruz del Quiché,1401,Hombre,20-24,5,20
El Quiché,Nebaj,1413,Hombre,15-19,2,
Guatemala,Guatemala,0101,Mujer,20-24,10,100
Guatemala,Mixco,108,Hombre,0-14,4,40
Petén,San José,1702,Mujer,0-14,1,5
Narnia,Cair Paravel,9999,Hombre,20-24,7,70
"""


@pytest.fixture(autouse=True)
def _registers(db):
    from apertura.catalog.registers import seed

    seed()


@pytest.fixture
def publisher(db):
    return Institution.objects.create(acronym="MINGOB", slug="mingob", name_es="Ministerio de Gobernación",
                                      name_en="Ministry of the Interior", kind="public_entity")


@pytest.fixture
def table_of(make_user, publisher, tmp_path):
    """table_of(csv_text, state="published") → the catalog resource whose datastore table holds the CSV."""
    from apertura.catalog.services import dataset_create, resource_add
    from apertura.datastore.services import datastore_ingest

    admin = make_user("administrator")
    counter = iter(range(1, 1000))

    def make(text=VIOLENCE_CSV, *, state="published", schema=None):
        n = next(counter)
        dataset = dataset_create(by=admin, publisher=publisher, name=f"violencia-{n}", title=f"Violencia {n}",
                                 description="Muertes por violencia.", license="CC-BY-4.0", state=state)
        resource = resource_add(dataset=dataset, by=admin, title="Tabla", url="https://example.org/violencia.csv")
        source = tmp_path / f"violencia-{n}.csv"
        source.write_text(text, encoding="utf-8")
        result = datastore_ingest(key=str(resource.pk), source_path=source, schema=schema)
        assert result.ok, result.report
        return resource

    return make


@pytest.fixture
def violence(table_of):
    return table_of()
