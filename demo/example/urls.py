"""Demo pages: log in as a demo user and open their inbox."""

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    # The site root leads to the demo: the inbox, which asks a visitor to log in first.
    path("", RedirectView.as_view(pattern_name="demo-inbox"), name="demo-home"),
    path("inbox/", views.inbox_page, name="demo-inbox"),
    # At the site root, so that the worker's scope covers every page of the site.
    path("service-worker.js", views.service_worker, name="demo-service-worker"),
    path("accounts/login/", LoginView.as_view(template_name="example/login.html"), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
]
