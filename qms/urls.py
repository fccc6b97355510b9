from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from viewflow.contrib.auth import AuthViewset

from qms.core.views import ProfileView
from workflows.site import site

urlpatterns = [
    path("admin/", admin.site.urls),
    # Our profile (with the interface language) replaces viewflow's under the same name.
    path("accounts/profile/", ProfileView.as_view(), name="profile"),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("jsi18n/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    # The integration API (token-authenticated, no session): before the site's catch-all.
    path("api/", include("workflows.api.urls")),
    path("", site.urls),
]
