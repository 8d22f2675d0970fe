"""The fakes speak the providers' APIs well enough for the real SDKs, and record what they got."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.fakes import FakeExpo, FakeTwilio, peak_per_second

TOKEN = "ExponentPushToken[ok-device]"
DEAD = "ExponentPushToken[dead-device]"


def test_peak_per_second_counts_the_busiest_window():
    stamps = [(0.0, 100), (0.5, 100), (0.99, 100), (1.0, 100), (1.2, 100), (2.5, 5)]
    assert peak_per_second(stamps) == 400  # 0.5, 0.99, 1.0, 1.2
    assert peak_per_second([]) == 0


def test_expo_fake_answers_the_sdk_with_tickets_and_receipts():
    from exponent_server_sdk import PushClient, PushMessage

    with FakeExpo(ticket_errors={DEAD: "DeviceNotRegistered"}) as fake:
        client = PushClient(host=fake.url)
        tickets = client.publish_multiple(
            [PushMessage(to=TOKEN, title="t", body="b"), PushMessage(to=DEAD, body="b")]
        )
        assert [t.status for t in tickets] == ["ok", "error"]
        assert tickets[1].details["error"] == "DeviceNotRegistered"
        receipts = client.check_receipts_multiple([tickets[0]])

    assert [(r.id, r.status) for r in receipts] == [(tickets[0].id, "ok")]
    assert fake.sent_messages()[0] == {"to": TOKEN, "title": "t", "body": "b"}
    assert fake.tickets[tickets[0].id]["to"] == TOKEN
    assert fake.messages_per_request() == [2]


def test_expo_fake_receipt_errors_and_editable_receipts():
    from exponent_server_sdk import PushClient, PushMessage

    with FakeExpo(receipt_errors={DEAD: "DeviceNotRegistered"}) as fake:
        client = PushClient(host=fake.url)
        ok, dead = client.publish_multiple([PushMessage(to=TOKEN), PushMessage(to=DEAD)])
        assert (ok.status, dead.status) == ("ok", "ok")  # the error shows only in the receipt
        fake.receipts[ok.id] = {"status": "error", "details": {"error": "MessageTooBig"}}
        receipts = {r.id: r for r in client.check_receipts_multiple([ok, dead])}

    assert receipts[dead.id].details["error"] == "DeviceNotRegistered"
    assert receipts[ok.id].details["error"] == "MessageTooBig"


def test_expo_fake_refuses_more_than_100_messages_and_wrong_tokens():
    from exponent_server_sdk import PushClient, PushMessage, PushServerError

    with FakeExpo(access_token="secret") as fake:
        unauthorised = PushClient(host=fake.url)
        with pytest.raises(PushServerError) as refused:
            unauthorised.publish(PushMessage(to=TOKEN))
        assert refused.value.response.status_code == 401

        session = requests.Session()
        session.headers["Authorization"] = "Bearer secret"
        client = PushClient(host=fake.url, session=session, max_message_count=101)
        with pytest.raises(PushServerError) as too_many:
            client.publish_multiple([PushMessage(to=TOKEN)] * 101)
        assert too_many.value.errors[0]["code"] == "PUSH_TOO_MANY_NOTIFICATIONS"
        assert client.publish(PushMessage(to=TOKEN)).status == "ok"


def test_expo_fake_refuses_a_whole_request_for_one_malformed_message():
    from exponent_server_sdk import PushClient, PushMessage, PushServerError

    with FakeExpo() as fake:
        client = PushClient(host=fake.url)
        messages = [PushMessage(to=TOKEN), PushMessage(to=TOKEN, priority="urgent")]
        with pytest.raises(PushServerError) as refused:
            client.publish_multiple(messages)
        assert refused.value.response.status_code == 400
        assert refused.value.errors[0]["code"] == "VALIDATION_ERROR"
        assert "[1].priority" in refused.value.errors[0]["message"]
        assert fake.tickets == {}  # nothing of the refused request was accepted
        assert client.publish(messages[0]).status == "ok"


def test_expo_fake_canned_failure_with_retry_after():
    from exponent_server_sdk import PushClient, PushMessage, PushServerError

    with FakeExpo() as fake:
        fake.fail_next(
            429,
            {"errors": [{"code": "TOO_MANY_REQUESTS", "message": "slow down"}]},
            headers={"Retry-After": "7"},
        )
        client = PushClient(host=fake.url)
        with pytest.raises(PushServerError) as exc:
            client.publish(PushMessage(to=TOKEN))
        assert exc.value.response.headers["Retry-After"] == "7"
        assert client.publish(PushMessage(to=TOKEN)).status == "ok"  # only the next one


def test_twilio_fake_answers_the_sdk_and_keeps_messages():
    from twilio.rest import Client

    with FakeTwilio() as fake:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = fake.url
        message = client.messages.create(
            to="+15005550006", from_="+15005550001", body="hi", status_callback="https://x/cb"
        )

    assert message.sid.startswith("SM") and message.sid == fake.messages[0]["sid"]
    assert fake.messages[0]["status_callback"] == "https://x/cb"
    assert fake.requests[0].form()["Body"] == "hi"


def test_twilio_fake_per_number_errors_and_auth():
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    with FakeTwilio(errors={"+15005550009": 21610}) as fake:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = fake.url
        with pytest.raises(TwilioRestException) as stopped:
            client.messages.create(to="+15005550009", from_="+1", body="x")
        wrong = Client(fake.account_sid, "wrong-token")
        wrong.api.base_url = fake.url
        with pytest.raises(TwilioRestException) as unauthorised:
            wrong.messages.create(to="+15005550006", from_="+1", body="x")

    assert (stopped.value.code, stopped.value.status) == (21610, 400)
    assert (unauthorised.value.code, unauthorised.value.status) == (20003, 401)
    assert fake.messages == []


def test_fake_records_latency_and_max_concurrency():
    from twilio.rest import Client

    with FakeTwilio(latency=0.2) as fake:

        def send() -> None:
            client = Client(fake.account_sid, fake.auth_token)
            client.api.base_url = fake.url
            client.messages.create(to="+15005550006", from_="+1", body="x")

        threads = [threading.Thread(target=send) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert len(fake.messages) == 3
    assert 2 <= fake.max_in_flight <= 3
    assert fake.in_flight == 0
