"""The demo city: agencies (schemas) and users for every role, created once."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from accounts.mfa_demo import demo_totp_secret, give_totp
from accounts.models import Membership, Role, User
from tenants.city import CITY
from tenants.hosts import agency_url
from tenants.models import Agency
from tenants.provisioning import Provisioned, ensure_portal_tenant, provision_many

DEMO_PASSWORD = "hall-demo-2026"  # noqa: S105 - demo accounts on a development machine only


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    agency_code: str | None
    roles: tuple[str, ...]


DEMO_USERS = [
    DemoUser("citizen@demo.hall", "张三", None, ()),
    DemoUser("citizen2@demo.hall", "李四", None, ()),
    DemoUser("clerk@xfj.demo.hall", "王登记", "xfj", (Role.HANDLER,)),
    DemoUser("leader@xfj.demo.hall", "赵局长", "xfj", (Role.LEADER,)),
    DemoUser("admin@xfj.demo.hall", "钱管理", "xfj", (Role.ADMIN,)),
    DemoUser("handler@gaj.demo.hall", "孙承办", "gaj", (Role.HANDLER,)),
    DemoUser("leader@gaj.demo.hall", "周科长", "gaj", (Role.LEADER,)),
    DemoUser("admin@gaj.demo.hall", "吴管理", "gaj", (Role.ADMIN,)),
    DemoUser("handler@zjj.demo.hall", "郑承办", "zjj", (Role.HANDLER,)),
    DemoUser("leader@zjj.demo.hall", "冯主任", "zjj", (Role.LEADER,)),
    DemoUser("admin@zjj.demo.hall", "陈管理", "zjj", (Role.ADMIN,)),
    DemoUser("handler@lbs.demo.hall", "褚承办", "lbs", (Role.HANDLER,)),
    DemoUser("leader@lbs.demo.hall", "卫主任", "lbs", (Role.LEADER,)),
    DemoUser("admin@lbs.demo.hall", "蒋管理", "lbs", (Role.ADMIN,)),
    DemoUser("supervisor@xfj.demo.hall", "秦督查", "xfj", (Role.SUPERVISOR,)),
    DemoUser("supervisor@gaj.demo.hall", "尤督查", "gaj", (Role.SUPERVISOR,)),
    DemoUser("supervisor@zjj.demo.hall", "许督查", "zjj", (Role.SUPERVISOR,)),
    DemoUser("supervisor@lbs.demo.hall", "何督查", "lbs", (Role.SUPERVISOR,)),
    DemoUser("supervisor@dcs.demo.hall", "沈督查", "dcs", (Role.SUPERVISOR,)),
    DemoUser("handler@dcs.demo.hall", "吕承办", "dcs", (Role.HANDLER,)),
    DemoUser("leader@dcs.demo.hall", "韩主任", "dcs", (Role.LEADER,)),
    DemoUser("admin@dcs.demo.hall", "杨管理", "dcs", (Role.ADMIN,)),
    DemoUser("handler@jjw.demo.hall", "严承办", "jjw", (Role.HANDLER,)),
    DemoUser("leader@jjw.demo.hall", "华主任", "jjw", (Role.LEADER,)),
    DemoUser("admin@jjw.demo.hall", "金管理", "jjw", (Role.ADMIN,)),
]


def seed_agencies(progress=None) -> list[Provisioned]:
    ensure_portal_tenant()
    existing = set(Agency.objects.values_list("code", flat=True))
    missing = [spec for spec in CITY if spec.code not in existing]
    provisioned = provision_many(missing, progress=progress) if missing else []
    link_parts()
    seed_review_hierarchy()
    return provisioned


def seed_review_hierarchy() -> None:
    """The review bodies of the city (tenants.city.REVIEW_BODIES), and each agency's default 上级机关
    where none is set yet (a choice the bureau made is kept)."""
    from tenants.city import DEFAULT_REVIEW_BODY, REVIEW_BODIES
    from tenants.models import ReviewBody

    agencies = {a.code: a for a in Agency.objects.all()}
    bodies: dict[str, ReviewBody] = {}
    for spec in REVIEW_BODIES:
        body, _created = ReviewBody.objects.get_or_create(
            code=spec.code,
            defaults={"name_zh": spec.name_zh, "name_en": spec.name_en, "agency": agencies.get(spec.agency)},
        )
        if body.agency_id is None and spec.agency in agencies:
            # Created by the migration before the agency existed: the agency that decides for it.
            body.agency = agencies[spec.agency]
            body.save(update_fields=["agency"])
        bodies[spec.code] = body
    for spec in REVIEW_BODIES:
        if spec.above and bodies[spec.code].above_id is None:
            bodies[spec.code].above = bodies[spec.above]
            bodies[spec.code].save(update_fields=["above"])
    for agency in agencies.values():
        default = DEFAULT_REVIEW_BODY.get(agency.kind)
        if default and agency.review_body_id is None:
            agency.review_body = bodies[default]
            agency.save(update_fields=["review_body"])


def link_parts() -> None:
    """Record which agency each internal office belongs to (Agency.part_of), as the city lists it."""
    agencies = {a.code: a for a in Agency.objects.all()}
    for spec in CITY:
        agency, parent = agencies.get(spec.code), agencies.get(spec.part_of)
        if agency is not None and agency.part_of_id != (parent.pk if parent else None):
            agency.part_of = parent
            agency.save(update_fields=["part_of"])


@transaction.atomic
def seed_users() -> int:
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants' DatabaseWrapper
    created = 0
    # One hash for all demo accounts: hashing is deliberately slow, and they share a password.
    password_hash = make_password(DEMO_PASSWORD)
    agencies = {a.code: a for a in Agency.objects.all()}
    for demo in DEMO_USERS:
        user, was_created = User.objects.get_or_create(
            email=demo.email,
            defaults={"username": demo.email, "full_name": demo.full_name, "password": password_hash},
        )
        if was_created:
            _mark_email_verified(user)
            created += 1
        for role in demo.roles:
            Membership.objects.get_or_create(user=user, agency=agencies[demo.agency_code], role=role)
        if demo.roles:
            # Staff sign in with a second factor; demo staff share the published demo TOTP secret.
            give_totp(user, demo_totp_secret())
    return created


def _mark_email_verified(user: User) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def demo_summary() -> list[tuple[str, str]]:
    """(label, url) rows for the start-up banner."""
    rows = []
    for agency in Agency.objects.exclude(schema_name="public").order_by("sort_order"):
        rows.append((f"{agency.code:5} {agency.name_zh}", agency_url(agency.code)))
    return rows
