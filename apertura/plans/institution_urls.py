"""The institutions' pages, under /institutions/ in the `institutions` namespace (mounted in apertura/urls.py).
They live in plans because they list what institutions do in the plans."""

from django.urls import path

from .feeds import InstitutionFeed
from .views.institutions import institution_detail, institution_list

app_name = "institutions"
urlpatterns = [
    path("", institution_list, name="list"),
    path("<slug:slug>/", institution_detail, name="detail"),
    path("<slug:slug>/feed.atom", InstitutionFeed(), name="feed"),
]
