from django.urls import path

from . import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("plans/<slug:slug>/proposals/", views.proposal_list, name="proposals"),
    path("plans/<slug:slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("plans/<slug:slug>/inputs/", views.inputs_dashboard, name="inputs"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("follow/<str:kind>/<int:pk>/", views.follow, name="follow"),
    path("proposals/<int:pk>/respond/", views.proposal_respond, name="proposal_respond"),
    path("consultations/", views.consultation_list, name="consultations"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("consultations/<slug:slug>/sections/<int:order>/comment/", views.consultation_comment,
         name="consultation_comment"),
    path("consultations/<slug:slug>/comments/<int:pk>/", views.consultation_comment_link,
         name="consultation_comment_link"),
    path("consultations/<slug:slug>/respond/", views.consultation_respond, name="consultation_respond"),
    path("consultations/<slug:slug>/report/", views.consultation_report, name="consultation_report"),
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/decide/", views.moderation_decide, name="moderation_decide"),
    path("moderation/participants/<int:user_id>/suspend/", views.participant_suspend, name="suspend"),
    path("forum/", views.forum, name="forum"),
    path("forum/members/new/", views.forum_member_new, name="forum_member_new"),
    path("forum/members/<int:pk>/edit/", views.forum_member_edit, name="forum_member_edit"),
    path("forum/meetings/new/", views.meeting_new, name="meeting_new"),
    path("forum/meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("forum/meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("forum/meetings/<int:pk>/documents/", views.meeting_document_add, name="meeting_document_add"),
    path("forum/documents/<int:pk>/", views.meeting_document, name="meeting_document"),
    path("forum/documents/<int:pk>/remove/", views.meeting_document_remove, name="meeting_document_remove"),
    path("plans/<slug:slug>/scorecard/", views.scorecard, name="scorecard"),
    path("plans/<slug:slug>/commitments/<int:number>/comments/", views.commitment_comments,
         name="commitment_comments"),
    path("plans/<slug:slug>/milestones/<str:number>/comments/", views.milestone_comments, name="milestone_comments"),
    path("plans/<slug:slug>/comments/<int:pk>/", views.plan_comment_link, name="plan_comment_link"),
    path("feedback/", views.page_feedback, name="feedback"),
    path("feedback/results/", views.page_feedback_results, name="feedback_results"),
    path("account/", views.account, name="account"),
    path("account/data.json", views.account_data, name="account_data"),
    path("account/delete/", views.account_delete, name="account_delete"),
]

# Participants register under /accounts/ with the accounts' other pages, and keep their names there
# (accounts:register, accounts:register_confirm): apertura/urls.py mounts these in the accounts namespace.
registration_urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/confirm/<str:token>/", views.register_confirm, name="register_confirm"),
]
