from django.urls import include, path
from django.views.i18n import set_language

from apertura.accounts.urls import urlpatterns as account_urlpatterns
from apertura.api import api
from apertura.participation.urls import registration_urlpatterns
from apertura.plans import views as plan_views

urlpatterns = [
    path("", plan_views.home, name="home"),
    path("search/", plan_views.search, name="search"),
    path("plans/", include("apertura.plans.urls")),
    path("institutions/", include("apertura.plans.institution_urls")),
    path("notifications/", include("apertura.notifications.urls")),
    path("participate/", include("apertura.participation.urls")),
    path("", include("apertura.catalog.urls")),
    path("explore/", include("apertura.explore.urls")),
    path("evidence/<int:pk>/", plan_views.evidence_download, name="evidence"),
    # accounts: its own pages and participation's self-registration (which needs a participant profile).
    path("accounts/", include((account_urlpatterns + registration_urlpatterns, "accounts"))),
    path("manage/", include("apertura.accounts.manage_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
]
