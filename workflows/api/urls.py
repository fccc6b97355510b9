"""``/api/``: version 1 of the integration API, its OpenAPI schema and documentation."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("v1/dossiers/", views.DossierSubmitView.as_view(), name="dossiers"),
    path("v1/dossiers/<str:portal_reference>/", views.DossierDetailView.as_view(), name="dossier"),
    path(
        "v1/dossiers/<str:portal_reference>/payments/",
        views.DossierPaymentView.as_view(),
        name="dossier_payments",
    ),
    path(
        "v1/dossiers/<str:portal_reference>/result/",
        views.DossierResultView.as_view(),
        name="dossier_result",
    ),
    path("v1/procedures/", views.ProcedureListView.as_view(), name="procedures"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", views.RedocView.as_view(url_name="api:schema"), name="redoc"),
]
