import pytest
from django_tenants.utils import schema_context

from cases import services
from cases.index.models import CaseIndex
from cases.models import Case
from cases.services import Actor, PetitionerInput, PetitionInput

# A valid 18-digit resident ID: 110105 19491231 002 + check digit X (GB 11643, worked in
# tests/accounts); used only as petitioner data here.
VALID_ID = "11010519491231002X"


@pytest.fixture
def petition_input():
    def build(**overrides) -> PetitionInput:
        fields = {
            "petition_type": "complaint",
            "title": "小区物业违规收取停车费",
            "body": (
                "我住在湖滨区某小区，物业公司从今年起每月多收停车费两百元，没有任何依据，请有关部门查处。"
            ),
            "location": "三门峡市湖滨区",
            "people_count": 3,
            "is_public": True,
        }
        fields.update(overrides)
        return PetitionInput(**fields)

    return build


@pytest.fixture
def file_petition(citizen, bureau, petition_input):
    """file_petition(agency=bureau, user=citizen, **petition fields) -> SubmitResult."""

    def file(agency=None, user=None, **overrides):
        who = user or citizen
        return services.submit_petition(
            actor=Actor.citizen(who),
            filed_with=agency or bureau,
            petition=petition_input(**overrides),
            petitioner=PetitionerInput(
                name=who.full_name or "张三",
                id_number=VALID_ID,
                phone="13800138000",
                address="三门峡市湖滨区黄河路1号",
            ),
        )

    return file


def staff(user, agency) -> Actor:
    return Actor.staff(user, agency)


def load_case(case_uuid) -> Case:
    """The case from its current holder's schema (via the public index)."""
    index = CaseIndex.objects.select_related("holder").get(case_uuid=case_uuid)
    with schema_context(index.holder.schema_name):
        return Case.objects.get(pk=case_uuid)


def in_schema(agency, model, **filters):
    with schema_context(agency.schema_name):
        return list(model.objects.filter(**filters))
