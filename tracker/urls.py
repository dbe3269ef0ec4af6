from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from cooperation.accounts import PasswordChangeView
from cooperation.api.docs import ApiDocsView
from cooperation.i18n import language_switch
from cooperation.views.health import healthz, healthz_detail

handler403 = "cooperation.views.errors.permission_denied"
handler500 = "cooperation.views.errors.server_error"

admin.site.site_header = _("Chengdu–Yibin Cooperation Tracker")
admin.site.site_title = _("Chengdu–Yibin Cooperation Tracker")

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("healthz/detail/", healthz_detail, name="healthz_detail"),
    path("admin/", admin.site.urls),
    path("i18n/setlang/", language_switch, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The REST API (cooperation/api/) and its documentation page.
    path("api/docs/", ApiDocsView.as_view(), name="api_docs"),
    path("api/", include("cooperation.api.urls")),
    path("", include("cooperation.urls")),
]
