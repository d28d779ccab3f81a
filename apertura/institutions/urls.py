from django.urls import path

from apertura.plans.feeds import InstitutionFeed

from . import views

app_name = "institutions"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("<slug:slug>/", views.institution_detail, name="detail"),
    path("<slug:slug>/feed.atom", InstitutionFeed(), name="feed"),
]
