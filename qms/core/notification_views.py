"""Pages of the notification centre: one's own notifications (newest first, unread
highlighted, filtered, 25 a page), opening one (marks it read, then goes to its page of this
site), marking read, and one's preferences per kind. Nobody sees another person's
notifications: their ids answer 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View, generic

from . import notifications
from .models import Notification

PAGE_SIZE = 25


class FilterForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Hiển thị"),
        required=False,
        choices=[("all", gettext_lazy("Tất cả")), ("unread", gettext_lazy("Chưa đọc"))],
    )
    kind = forms.ChoiceField(label=gettext_lazy("Loại thông báo"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Mọi loại"))] + [
            (code, registered.label) for code, registered in notifications.KIND_REGISTRY.items()
        ]


def _own(request, pk) -> Notification:
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def _back(request):
    """Back to the list (its filters and page kept when ``next`` is a path of this site)."""
    target = request.POST.get("next", "")
    if notifications.is_local_path(target):
        return redirect(target)
    return redirect("notifications:index")


class NotificationListView(generic.TemplateView):
    template_name = "notifications/list.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        form = FilterForm(self.request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        rows = notifications.notifications_of(
            self.request.user,
            unread_only=data.get("show") == "unread",
            kind=data.get("kind") or "",
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form,
            page_obj=page,
            query=query.urlencode(),
            here=self.request.get_full_path(),
            **kwargs,
        )


class NotificationOpenView(View):
    """Open a notification: marked read, then its page (only a path of this site; anything
    else lands on the list)."""

    http_method_names = ["get", "post"]

    def get(self, request, pk):
        notification = _own(request, pk)
        notifications.notification_mark_read(actor=request.user, notification=notification)
        if notification.url and notifications.is_local_path(notification.url):
            return redirect(notification.url)
        return redirect("notifications:index")

    post = get


class NotificationReadView(View):
    http_method_names = ["post"]

    def post(self, request, pk):
        notifications.notification_mark_read(actor=request.user, notification=_own(request, pk))
        return _back(request)


class NotificationReadAllView(View):
    http_method_names = ["post"]

    def post(self, request):
        count = notifications.notifications_mark_all_read(actor=request.user)
        if count:
            messages.success(
                request, _("Đã đánh dấu %(count)s thông báo là đã đọc.") % {"count": count}
            )
        return _back(request)


def _values_from(post) -> dict:
    """The page's checkboxes as the service's values: every kind listed in the form (hidden
    ``kind`` fields) and every kind named by a checkbox; an unchecked box is False."""
    codes = list(dict.fromkeys(post.getlist("kind")))
    for name in post:
        prefix, _sep, code = name.partition(":")
        if prefix in ("in_app", "email") and code and code not in codes:
            codes.append(code)
    return {
        code: {"in_app": f"in_app:{code}" in post, "email": f"email:{code}" in post}
        for code in codes
    }


class NotificationPreferencesView(generic.TemplateView):
    template_name = "notifications/preferences.html"
    http_method_names = ["get", "post"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rows=notifications.preferences_table(self.request.user),
            has_email=bool(self.request.user.email),
            **kwargs,
        )

    def post(self, request):
        try:
            changed = notifications.notification_preferences_save(
                actor=request.user, values=_values_from(request.POST)
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return self.render_to_response(self.get_context_data(), status=400)
        if changed:
            messages.success(request, _("Đã lưu tùy chọn nhận thông báo."))
        else:
            messages.info(request, _("Không có thay đổi nào."))
        return redirect(reverse("notifications:preferences"))
