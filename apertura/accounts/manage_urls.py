"""Administration pages, under /manage/."""

from django.urls import path

from . import views

app_name = "manage"
urlpatterns = [
    path("users/", views.user_admin, name="users"),
    path("users/<int:pk>/two-factor/reset/", views.two_factor_reset, name="two_factor_reset"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
]
