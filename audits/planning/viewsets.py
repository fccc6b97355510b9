"""Quality planning inside viewflow's Site: "Mục tiêu chất lượng"."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views


class PlanningApp(Application):
    title = _("Mục tiêu chất lượng")
    icon = "flag"
    app_name = "planning"
    menu_template_name = "planning/menu.html"

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    index_path = path("", views.ObjectiveListView.as_view(), name="index")
    objective_create_path = path(
        "objectives/new/", views.ObjectiveCreateView.as_view(), name="objective_create"
    )
    objective_detail_path = path(
        "objectives/<int:pk>/", views.ObjectiveDetailView.as_view(), name="objective_detail"
    )
    objective_update_path = path(
        "objectives/<int:pk>/edit/", views.ObjectiveUpdateView.as_view(), name="objective_update"
    )
    objective_withdraw_path = path(
        "objectives/<int:pk>/withdraw/",
        views.ObjectiveWithdrawView.as_view(),
        name="objective_withdraw",
    )
    policy_path = path("policy/", views.PolicyListView.as_view(), name="policy")
    policy_create_path = path("policy/new/", views.PolicyCreateView.as_view(), name="policy_create")
    policy_detail_path = path(
        "policy/<int:pk>/", views.PolicyDetailView.as_view(), name="policy_detail"
    )
    policy_update_path = path(
        "policy/<int:pk>/edit/", views.PolicyUpdateView.as_view(), name="policy_update"
    )
    policy_approve_path = path(
        "policy/<int:pk>/approve/", views.PolicyApproveView.as_view(), name="policy_approve"
    )
    risks_path = path("risks/", views.RiskListView.as_view(), name="risks")
    risk_create_path = path("risks/new/", views.RiskCreateView.as_view(), name="risk_create")
    risk_detail_path = path("risks/<int:pk>/", views.RiskDetailView.as_view(), name="risk_detail")
    risk_update_path = path(
        "risks/<int:pk>/edit/", views.RiskUpdateView.as_view(), name="risk_update"
    )
    risk_review_path = path(
        "risks/<int:pk>/review/", views.RiskReviewView.as_view(), name="risk_review"
    )
    indicators_path = path("indicators/", views.IndicatorsView.as_view(), name="indicators")
