"""Demo pages: log in as a demo user and open their inbox."""

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox_page, name="demo-inbox"),
    # At the site root, so that the worker's scope covers every page of the site.
    path("service-worker.js", views.service_worker, name="demo-service-worker"),
    path("accounts/login/", LoginView.as_view(template_name="example/login.html"), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
]
