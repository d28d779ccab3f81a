"""The JSON API, assembled from each app's router. OpenAPI at /api/v1/openapi.json."""

from ninja import NinjaAPI

from apertura.datastore.api import router as datastore_router
from apertura.institutions.api import router as institutions_router
from apertura.plans.api import router as plans_router

api = NinjaAPI(
    title="Apertura API",
    version="1",
    description="Open-government action plans, commitments, milestones and institutions. Read-only and public.",
    urls_namespace="api",
)
api.add_router("/plans", plans_router)
api.add_router("/institutions", institutions_router)
api.add_router("/participation", "apertura.participation.api.router")
api.add_router("/catalog", "apertura.catalog.api.router")
api.add_router("/datastore", datastore_router)
