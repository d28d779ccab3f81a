from django.urls import path

from . import views

app_name = "explore"

urlpatterns = [
    path("<uuid:rid>/map/", views.map_page, name="map"),
    path("<uuid:rid>/chart/", views.chart_page, name="chart"),
    path("<uuid:rid>/chart/spec.json", views.chart_spec, name="chart_spec"),
    path("<uuid:rid>/chart/save/", views.chart_save, name="chart_save"),
    path("<uuid:rid>/breakdowns/", views.breakdowns_page, name="breakdowns"),
    path("charts/<int:pk>/", views.saved_chart, name="saved_chart"),
    path("charts/<int:pk>/remove/", views.saved_chart_remove, name="saved_chart_remove"),
]
