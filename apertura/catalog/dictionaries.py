"""Data dictionaries of the platform's own exports, published with them in the catalog (content in Spanish)."""

from apertura.plans.dashboard import MILESTONE_COLUMNS as DASHBOARD_COLUMNS
from apertura.plans.formats.plan_export import MILESTONE_COLUMNS
from apertura.plans.schemas import COMMITMENT_COLUMNS

from .schemas import REQUEST_COLUMNS

MEANINGS = {
    "plan": "Periodo del plan (identificador), p. ej. 2021-2023",
    "number": "Número del compromiso en el plan",
    "commitment": "Número del compromiso",
    "commitment_title": "Título del compromiso",
    "title": "Título",
    "start": "Inicio (AAAA, AAAA-MM o AAAA-MM-DD: nunca más preciso que el plan)",
    "end": "Fin (AAAA, AAAA-MM o AAAA-MM-DD)",
    "lead": "Siglas de la institución responsable",
    "supporting_institutions": "Siglas de las instituciones de apoyo, separadas por punto y coma",
    "civil_society": "Organizaciones de sociedad civil, separadas por punto y coma",
    "themes": "Códigos de los ejes temáticos",
    "ogp_values": "Valores de la Alianza para el Gobierno Abierto",
    "sdgs": "Objetivos de Desarrollo Sostenible relacionados",
    "milestones": "Número de hitos",
    "milestone_count": "Número de hitos",
    "milestone": "Número del hito, p. ej. 4.3",
    "text": "Texto del hito",
    "responsible": "Siglas de las instituciones responsables del hito",
    "responsible_note": "Nota sobre los responsables",
    "reported": "Avance reportado por la institución (porcentaje)",
    "confirmed": "Avance confirmado por sociedad civil (porcentaje)",
    "expected": "Avance esperado según el calendario a la fecha (porcentaje)",
    "flag": "Estado: on_track, at_risk, overdue, completed, cancelled, upcoming",
    "latest_report": "Fecha del último reporte de avance",
    "validation": "Validación de sociedad civil: none, confirmed, disputed",
    "id": "Identificador",
    "institution": "Siglas de la institución a la que se pide",
    "status": "Estado: open, planned, published, refused",
    "supports": "Número de apoyos",
    "priority": "Prioridad del Comité de Usuarios de Datos Abiertos (True/False)",
    "created": "Fecha y hora de la solicitud (ISO 8601, UTC)",
    "answered_at": "Fecha y hora de la respuesta (ISO 8601, UTC)",
    "days_to_answer": "Días hasta la respuesta",
    "planned_for": "Fecha prevista de publicación",
    "published_url": "Enlace a los datos publicados",
    "answer": "Respuesta de la institución",
}
# The columns of /data-requests/?format=csv are schemas.REQUEST_COLUMNS, in that order.


def dictionary(columns) -> str:
    """A Markdown table: column, meaning."""
    rows = [f"| `{column}` | {MEANINGS.get(column, '')} |" for column in columns]
    return "\n".join(["Diccionario de datos:", "", "| Columna | Significado |", "|---|---|", *rows])


def plan_resources(slug: str) -> list[dict]:
    """The exports of one plan as resources: path, title, format, description with its dictionary."""
    return [
        {"path": f"/plans/{slug}/export.json", "title": "Plan completo (JSON, formato apertura-plan/1)",
         "format": "JSON", "description": "El plan completo; el esquema está en "
                                          "apertura/plans/formats/plan.schema.json."},
        {"path": f"/plans/{slug}/export.xlsx", "title": "Plan completo (XLSX)", "format": "XLSX",
         "description": "Hojas: commitments, milestones, institutions, revision_notes."},
        {"path": f"/plans/{slug}/?format=csv", "title": "Compromisos (CSV)", "format": "CSV",
         "description": dictionary(COMMITMENT_COLUMNS)},
        {"path": f"/plans/{slug}/export.csv", "title": "Hitos (CSV)", "format": "CSV",
         "description": dictionary(MILESTONE_COLUMNS)},
        {"path": f"/plans/{slug}/dashboard/?format=csv", "title": "Avance de los hitos (CSV)", "format": "CSV",
         "description": dictionary(DASHBOARD_COLUMNS)},
    ]


def request_resources() -> list[dict]:
    return [{"path": "/data-requests/?format=csv", "title": "Solicitudes de datos (CSV)", "format": "CSV",
             "description": dictionary(REQUEST_COLUMNS)},
            {"path": "/data-requests/?format=json", "title": "Solicitudes de datos (JSON)", "format": "JSON",
             "description": "Las mismas solicitudes, con sus respuestas y tiempos."}]
