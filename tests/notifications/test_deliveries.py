"""Notifications by inbox, e-mail and SMS: one effect per step however often a task runs, the
delivery record, the staff's list of failed deliveries, the channel choice, and staff notices."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from cases import services as case_services
from config.crypto import lookup_hash
from notifications.models import ChannelPreference, Delivery, DeliveryStatus, Notification, VerifiedPhone
from notifications.tasks import deliver_case_event, notify_staff
from tests.cases.conftest import staff
from tests.conftest import make_staff


class BrokenMailServer:
    """An e-mail backend whose server is down (EMAIL_BACKEND in the tests below)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def _verify(user, phone="13912345678"):
    VerifiedPhone.objects.create(
        user=user, phone=phone, phone_hash=lookup_hash(phone), verified_at=timezone.now()
    )


def test_a_case_event_task_run_twice_writes_one_row_and_sends_one_email(
    file_petition, citizen, django_capture_on_commit_callbacks
):
    filed = file_petition()
    mail.outbox.clear()
    kwargs = {
        "case_uuid": str(filed.case_uuid),
        "citizen_id": citizen.pk,
        "event_kind": "accepted",
        "key": "k1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        deliver_case_event.apply(kwargs=kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_case_event.apply(kwargs=kwargs)  # the same message redelivered
    assert Notification.objects.filter(user=citizen, kind="accepted").count() == 1
    delivery = Delivery.objects.get(notification__kind="accepted")
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1 and delivery.sent_at
    assert delivery.recipient_masked == "a***@example.cn"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [citizen.email]
    assert Notification.objects.get(kind="accepted").emailed_at is not None


def test_filing_enqueues_the_notice_only_when_it_commits(
    file_petition, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_petition()
    # Nothing was sent inside the transaction; the callbacks (enqueueing) wait for the commit.
    assert not Notification.objects.filter(user=citizen).exists() and callbacks
    for callback in callbacks:
        callback()
    assert Notification.objects.filter(user=citizen, kind="submitted").exists()


def test_sms_goes_only_to_a_verified_number_the_citizen_chose(
    citizen, other_citizen, sms, django_capture_on_commit_callbacks
):
    _verify(citizen)
    ChannelPreference.objects.create(user=citizen, email=False, sms=True)
    # The other citizen asked for SMS but never verified a number: nothing is sent to them by SMS.
    ChannelPreference.objects.create(user=other_citizen, email=True, sms=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify_staff.apply(
            kwargs={
                "user_ids": [citizen.pk, other_citizen.pk],
                "kind": "case_arrived",
                "subject": "s",
                "body": "b",
                "key": "x",
            }
        )
    assert sms.sent == [{"phone": "13912345678", "template": "case_arrived", "params": {}}]
    assert [m.to for m in mail.outbox] == [[other_citizen.email]]
    assert set(Delivery.objects.values_list("user_id", "channel")) == {
        (citizen.pk, "sms"),
        (other_citizen.pk, "email"),
    }
    assert Delivery.objects.get(channel="sms").recipient_masked == "139****5678"


def test_a_failed_delivery_is_recorded_and_listed_for_the_bureau_who_resend_it(
    settings, citizen, bureau, bureau_leader, clerk, agency_a, host_client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.notifications.test_deliveries.BrokenMailServer"
    with django_capture_on_commit_callbacks(execute=True):
        notify_staff.apply(
            kwargs={"user_ids": [citizen.pk], "kind": "case_arrived", "subject": "s", "body": "b", "key": "y"}
        )
    delivery = Delivery.objects.get(user=citizen)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "mail server down" in delivery.last_error
    page = host_client(bureau, bureau_leader).get("/deliveries/failed/")
    assert page.status_code == 200 and "a***@example.cn" in page.content.decode()
    assert citizen.email not in page.content.decode()
    # A bureau handler, and another agency's admin, do not see the list.
    assert host_client(bureau, clerk).get("/deliveries/failed/").status_code == 403
    admin_a = make_staff("admin2@gaj.test", agency_a, "admin")
    assert host_client(agency_a, admin_a).get("/deliveries/failed/").status_code == 404
    # The mail server is back: the leader sends it again.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = host_client(bureau, bureau_leader).post(f"/deliveries/{delivery.pk}/resend/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert [m.to for m in mail.outbox] == [[citizen.email]]
    # A delivery that is not failed is not sent again.
    with django_capture_on_commit_callbacks(execute=True):
        host_client(bureau, bureau_leader).post(f"/deliveries/{delivery.pk}/resend/")
    assert len(mail.outbox) == 1


def test_staff_hear_of_a_case_arriving_at_their_agency_and_no_one_else(
    file_petition, clerk, bureau, agency_a, handler_a, handler_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_petition()
    assert Notification.objects.filter(user=clerk, kind="case_arrived").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        case_services.forward_case(case_uuid=filed.case_uuid, actor=staff(clerk, bureau), target=agency_a)
    arrived = Notification.objects.get(user=handler_a, kind="case_arrived")
    assert filed.tracking_number in arrived.subject and "黄河路" not in arrived.body
    assert handler_a.email in {address for m in mail.outbox for address in m.to}
    assert not Notification.objects.filter(user=handler_b).exists()


def test_the_channel_choice_needs_a_verified_number_for_sms(citizen, portal_client):
    portal_client.force_login(citizen)
    refused = portal_client.post(
        "/accounts/profile/notifications/", {"action": "channels", "email": "on", "sms": "on"}
    )
    assert refused.status_code == 400 and "请先验证手机号码" in refused.content.decode()
    assert not ChannelPreference.objects.filter(user=citizen).exists()
    _verify(citizen)
    saved = portal_client.post("/accounts/profile/notifications/", {"action": "channels", "sms": "on"})
    assert saved.status_code == 302
    preference = ChannelPreference.objects.get(user=citizen)
    assert preference.sms and not preference.email
    assert "139****5678" in portal_client.get("/accounts/profile/notifications/").content.decode()


def test_the_preferences_page_needs_a_signed_in_citizen(portal_client, db):
    response = portal_client.get("/accounts/profile/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_hear_of_a_supervision_order_to_their_agency(
    file_petition, agency_a, handler_a, handler_b, oversight, supervisor, django_capture_on_commit_callbacks
):
    from cases.oversight import services as ovs_services
    from cases.oversight.models import SupervisionKind

    filed = file_petition(agency=agency_a)
    due = timezone.localdate() + timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        ovs_services.issue_supervision(
            actor=staff(supervisor, oversight),
            agency=agency_a,
            case_uuids=[filed.case_uuid],
            kind=SupervisionKind.ORDER,
            message="请于期限内报告办理进展。",
            answer_due=due,
        )
    note = Notification.objects.get(user=handler_a, kind="supervision")
    assert filed.tracking_number in note.body and due.isoformat() in note.body
    assert not Notification.objects.filter(user=handler_b, kind="supervision").exists()


def test_staff_read_their_own_notices_in_the_workspace(
    file_petition, agency_a, agency_b, handler_a, handler_b, host_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_petition(agency=agency_a)
    page = host_client(agency_a, handler_a).get("/messages/")
    assert page.status_code == 200 and filed.tracking_number in page.content.decode()
    # Another agency's member sees none of it, on their own workspace or on this one.
    assert filed.tracking_number not in host_client(agency_b, handler_b).get("/messages/").content.decode()
    assert host_client(agency_a, handler_b).get("/messages/").status_code == 403
    anonymous = host_client(agency_a).get("/messages/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    host_client(agency_a, handler_a).post("/messages/")
    assert not Notification.objects.filter(user=handler_a, read_at__isnull=True).exists()


def test_failed_messages_about_a_report_are_never_listed_for_the_bureau(
    settings, citizen, bureau, bureau_leader, host_client, django_capture_on_commit_callbacks
):
    """A report against the bureau: its tracking number beside the reporter's masked address would tell
    the reported unit who reported it (arts. 30, 46)."""
    from cases.services import Actor, PetitionerInput, PetitionInput

    settings.EMAIL_BACKEND = "tests.notifications.test_deliveries.BrokenMailServer"
    with django_capture_on_commit_callbacks(execute=True):
        report = case_services.submit_petition(
            actor=Actor.citizen(citizen),
            filed_with=bureau,
            petition=PetitionInput(
                petition_type="report",
                title="检举信访局工作人员推诿",
                body="信访局窗口工作人员多次推诿，不予登记，请依法查处。",
                reported_agency="xfj",
            ),
            petitioner=PetitionerInput(name="张爱丽"),
        )
    delivery = Delivery.objects.get(user=citizen, notification__case_uuid=report.case_uuid)
    assert delivery.status == DeliveryStatus.FAILED
    page = host_client(bureau, bureau_leader).get("/deliveries/failed/").content.decode()
    assert report.tracking_number not in page and "a***@example.cn" not in page
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        host_client(bureau, bureau_leader).post(f"/deliveries/{delivery.pk}/resend/")
    assert mail.outbox == []
