"""The demo delivers over all three channels against the fakes, with no credentials, and
ends by saying how to serve it and who can log in."""

import os
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def test_demo_deliver_reports_every_channel():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("demo_deliver", stdout=out)

    report = out.getvalue()
    assert "Fake Twilio accepted" in report and "fake Expo accepted" in report
    for channel in ("Email:", "Expo:", "Twilio:"):
        assert channel in report


def test_the_demo_can_be_run_again_and_says_it_reset_its_data():
    first_seed, first_report = StringIO(), StringIO()
    call_command("seed_demo", stdout=first_seed)
    call_command("demo_deliver", stdout=first_report)
    assert "for the first time" in first_seed.getvalue()
    for _ in range(2):
        seed, report = StringIO(), StringIO()
        call_command("seed_demo", stdout=seed)
        call_command("demo_deliver", stdout=report)
        assert "previous demo users and their notifications were reset" in seed.getvalue()
        # Same data, same outcomes: the channel report is identical to the first run's.
        assert _channel_report(report) == _channel_report(first_report)


def _channel_report(out: StringIO) -> list[str]:
    return [line for line in out.getvalue().splitlines() if not line.startswith("Fake")]


@override_settings(DEMO_ADMIN={"username": "admin", "password": "demo"})
def test_the_demo_ends_by_saying_how_to_serve_it_and_who_can_log_in(client):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_deliver", stdout=out)
    last_words = out.getvalue().split("The demo is ready.")[1]
    # The interpreter that ran it, by its path (``make demo``'s is .venv/bin/python, which the
    # README's "Try it" block promises; the Django 4.2 leg runs from .venv-django42).
    assert f"  {os.path.relpath(sys.executable)} manage.py runserver\n" in last_words
    assert "http://127.0.0.1:8000/" in last_words
    assert "log in as ada, grace, linus or opted_out, password demo." in last_words
    assert "Admin: http://127.0.0.1:8000/admin/ as admin, password demo." in last_words
    assert client.login(username="ada", password="demo")
    assert client.login(username="admin", password="demo")
    assert get_user_model().objects.get(username="admin").is_superuser
    try_it = README.read_text().split("## Try it")[1].split("##")[0]
    assert "\n.venv/bin/python manage.py runserver\n" in try_it
    assert "ada, grace, linus or opted_out" in try_it
    assert "http://127.0.0.1:8000/admin/ as admin, password demo" in try_it


def test_no_admin_account_outside_the_demo_settings():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("demo_deliver", stdout=out)
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert "Admin:" not in out.getvalue()


@override_settings(ROOT_URLCONF="demo.urls")
def test_the_site_root_leads_to_the_demo_pages(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == ("/inbox/", 302)
    assert response.request["PATH_INFO"] == "/accounts/login/"
    assert response.status_code == 200
