"""A URLconf serving anymail's own (unguarded) webhooks two includes deep."""

from django.urls import include, path

urlpatterns = [path("hooks/", include([path("esp/", include("anymail.urls"))]))]
