from django.urls import path, register_converter

from . import views
from .feeds import CommitmentFeed, PlanFeed


class ExportFormat:
    regex = "json|csv|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class MilestoneNumber(ExportFormat):
    regex = r"\d{1,3}\.\d{1,3}"


register_converter(ExportFormat, "export_format")
register_converter(MilestoneNumber, "milestone_number")

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<slug:slug>/", views.plan_detail, name="detail"),
    path("<slug:slug>/export.<export_format:fmt>", views.plan_download, name="download"),
    path("<slug:slug>/commitments/<int:number>/", views.commitment_detail, name="commitment"),
    path("<slug:slug>/commitments/<int:number>/assessment/", views.assessment_edit, name="assessment"),
    path("<slug:slug>/commitments/<int:number>/history/", views.commitment_history, name="history"),
    path("<slug:slug>/commitments/<int:number>/follow/", views.commitment_follow, name="follow"),
    path("<slug:slug>/versions/", views.plan_versions, name="versions"),
    path("<slug:slug>/dashboard/", views.plan_dashboard, name="dashboard"),
    path("<slug:slug>/feed.atom", PlanFeed(), name="feed"),
    path("<slug:slug>/commitments/<int:number>/feed.atom", CommitmentFeed(), name="commitment_feed"),
    path("<slug:slug>/milestones/<milestone_number:number>/", views.milestone_detail, name="milestone"),
]
