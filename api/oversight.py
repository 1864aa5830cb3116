"""The oversight body's API (督查), on its own host, and the agencies' side of supervision.

Adapters over cases.oversight: the index search (cases.oversight.queries.search_rows: a report against
the viewer's own unit is never found, arts. 30, 46), the KPIs and ranking of cases.oversight.kpis
(the definitions and formulas written once there), and reminders (催办) and supervision orders (督办单)
through cases.oversight.services, the only write oversight makes. An agency reads and answers the
items addressed to it on its own host; another agency's item is not found.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.actions import ERRORS
from api.pagination import filtered, paginated
from api.permissions import IsStaffOfHostAgency
from api.serializers import BoundedDateField, CaseIndexSerializer
from cases.index.models import CaseIndex
from cases.models import CaseState, PetitionType
from cases.oversight import kpis
from cases.oversight import queries as ovs
from cases.oversight import services as ovs_services
from cases.oversight.models import SupervisionItem, SupervisionKind
from cases.services import Actor
from config import clock
from config.errors import HallError, NotFound
from config.net import client_ip
from tenants.models import Agency, AgencyKind


class IsOversightStaff(IsStaffOfHostAgency):
    """A supervisor, leader or admin of the oversight body, on its host, with the second factor."""

    message = "本接口仅供督查机构工作人员使用。"

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.tenant.kind == AgencyKind.OVERSIGHT and bool(
            request.agency_roles & ovs_services.OVERSIGHT_ROLES
        )


def _actor(request) -> Actor:
    return Actor.staff(request.user, request.tenant, ip=client_ip(request))


def _agency(code: str) -> Agency | None:
    code = (code or "").strip().lower()
    if not code:
        return None
    agency = (
        Agency.objects.filter(code=code).exclude(kind__in=[AgencyKind.PORTAL, AgencyKind.OVERSIGHT]).first()
    )
    if agency is None:
        raise HallError(
            _("没有这个单位代码。"), code="invalid_agency", fields={"agency": _("没有这个单位代码。")}
        )
    return agency


# --- Search --------------------------------------------------------------------------------------


class SearchFilters(serializers.Serializer):
    tracking_number = serializers.CharField(required=False, default="", max_length=32)
    petitioner = serializers.CharField(required=False, default="", max_length=50, help_text="name prefix")
    text = serializers.CharField(required=False, default="", max_length=100, help_text="words in the title")
    agency = serializers.CharField(required=False, default="", max_length=20, help_text="holding agency code")
    state = serializers.ChoiceField(choices=CaseState.choices, required=False, default="")
    petition_type = serializers.ChoiceField(choices=PetitionType.choices, required=False, default="")
    date_from = BoundedDateField(required=False, default=None)
    date_to = BoundedDateField(required=False, default=None)
    overdue_only = serializers.BooleanField(required=False, default=False)


class OversightCaseSerializer(CaseIndexSerializer):
    petitioner_name = serializers.CharField(source="masked_petitioner_name", help_text="masked (张某某)")
    is_open = serializers.BooleanField()


class Search(APIView):
    permission_classes = [IsOversightStaff]

    @extend_schema(
        parameters=[SearchFilters],
        responses={200: OversightCaseSerializer(many=True), **ERRORS},
        summary="Search the index of every agency's cases (newest first)",
    )
    def get(self, request):
        data = filtered(request, SearchFilters).validated_data
        query = ovs.CaseSearch(**{**data, "agency": _agency(data["agency"])})
        rows = ovs.search_rows(query, viewer=request.tenant)
        return paginated(request, self, rows, OversightCaseSerializer)


# --- KPIs ----------------------------------------------------------------------------------------


class KpiFilters(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-\d{2}$", required=False, help_text="YYYY-MM; this month by default"
    )
    start = BoundedDateField(required=False, help_text="with end: any period instead of a month")
    end = BoundedDateField(required=False)
    sort = serializers.ChoiceField(choices=list(kpis.KPI_KEYS), required=False, default="on_time_completion")
    agency = serializers.CharField(required=False, default="", max_length=20, help_text="one agency's row")

    def validate(self, attrs):
        if bool(attrs.get("start")) != bool(attrs.get("end")):
            raise serializers.ValidationError({"end": _("请同时填写起止日期。")})
        if attrs.get("start") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": _("结束日期不能早于开始日期。")})
        return attrs


class KpiValueSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True, coerce_to_string=False)


class KpiRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True)
    agency = serializers.CharField(source="agency_code")
    agency_name = serializers.CharField()
    values = serializers.DictField(child=KpiValueSerializer())


class KpiDefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    formula = serializers.CharField()
    is_rate = serializers.BooleanField()
    higher_is_better = serializers.BooleanField()


class Kpis(APIView):
    permission_classes = [IsOversightStaff]

    @extend_schema(
        parameters=[KpiFilters],
        responses={200: KpiRowSerializer(many=True), **ERRORS},
        summary="KPIs of every agency for a period, ranked by one of them (the 通报), with their formulas",
    )
    def get(self, request):
        data = filtered(request, KpiFilters).validated_data
        today = clock.today()
        if data.get("start"):
            period = kpis.Period(data["start"], data["end"])
        else:
            period = kpis.Period.parse_month(data.get("month", ""), default=today)
        definitions, rows = kpis.ranking(period, sort=data["sort"], today=today)
        city = kpis.city_rates(definitions, rows)
        agency = _agency(data["agency"])
        if agency is not None:
            rows = [row for row in rows if row.agency_id == agency.pk]
        return paginated(
            request,
            self,
            rows,
            KpiRowSerializer,
            period={"start": period.start.isoformat(), "end": period.end.isoformat()},
            sort=data["sort"],
            kpis=KpiDefinitionSerializer(definitions, many=True).data,
            city={key: KpiValueSerializer(value).data for key, value in city.items()},
        )


# --- Supervision ---------------------------------------------------------------------------------


class SupervisionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name_zh")
    tracking_numbers = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
    answer_due = serializers.DateField()
    issued_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    auto_rule = serializers.CharField()

    def get_overdue(self, item: SupervisionItem) -> bool:
        return item.is_overdue(clock.today())


class SupervisionFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "overdue", "answered", ""], required=False, default="")
    kind = serializers.ChoiceField(choices=SupervisionKind.choices, required=False, default="")
    agency = serializers.CharField(required=False, default="", max_length=20)


class IssueInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupervisionKind.choices)
    tracking_numbers = serializers.ListField(child=serializers.CharField(max_length=32), min_length=1)
    message = serializers.CharField()
    answer_due = BoundedDateField()


def _items(request, *, agency: Agency | None):
    data = filtered(request, SupervisionFilters).validated_data
    items = ovs.supervision_items(agency=agency, status=data["status"])
    if data["kind"]:
        items = items.filter(kind=data["kind"])
    return items, data


class Supervision(APIView):
    permission_classes = [IsOversightStaff]

    @extend_schema(
        parameters=[SupervisionFilters],
        responses={200: SupervisionSerializer(many=True), **ERRORS},
        summary="Reminders and supervision orders issued, newest first",
    )
    def get(self, request):
        items, data = _items(request, agency=None)
        agency = _agency(data["agency"])
        if agency is not None:
            items = items.filter(agency=agency)
        return paginated(request, self, items, SupervisionSerializer)

    @extend_schema(
        request=IssueInput,
        responses={201: SupervisionSerializer, **ERRORS},
        summary="Issue a reminder (催办) or a supervision order (督办单) on cases one agency holds",
    )
    def post(self, request):
        form = IssueInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        numbers = list(dict.fromkeys(n.strip().upper() for n in data["tracking_numbers"] if n.strip()))
        rows = list(CaseIndex.objects.filter(tracking_number__in=numbers).select_related("holder"))
        if len(rows) != len(numbers):
            raise NotFound(_("找不到该信访件。"))
        holders = {row.holder_id for row in rows}
        if len(holders) > 1:
            raise HallError(
                _("这些信访件由不同单位办理，请按单位分别督办。"), code="several_agencies", status=400
            )
        item = ovs_services.issue_supervision(
            actor=_actor(request),
            agency=rows[0].holder,
            case_uuids=[row.case_uuid for row in rows],
            kind=data["kind"],
            message=data["message"],
            answer_due=data["answer_due"],
        )
        return Response(SupervisionSerializer(item).data, status=status.HTTP_201_CREATED)


class SupervisionDetail(APIView):
    permission_classes = [IsOversightStaff]

    @extend_schema(responses={200: SupervisionSerializer, 404: ERRORS[404]}, summary="One supervision item")
    def get(self, request, item_id):
        item = SupervisionItem.objects.select_related("agency").filter(pk=item_id).first()
        if item is None:
            raise NotFound(_("找不到该督办事项。"))
        return Response(SupervisionSerializer(item).data)


# --- The agency's side -----------------------------------------------------------------------------


class AgencySupervisionFilters(SupervisionFilters):
    agency = None  # type: ignore[assignment]  # always the host's own agency


class AnswerInput(serializers.Serializer):
    answer = serializers.CharField()


def _own_item(request, item_id) -> SupervisionItem:
    item = SupervisionItem.objects.select_related("agency").filter(pk=item_id, agency=request.tenant).first()
    if item is None:
        raise NotFound(_("找不到该督办事项。"))
    return item


class AgencySupervision(APIView):
    permission_classes = [IsStaffOfHostAgency]

    @extend_schema(
        parameters=[AgencySupervisionFilters],
        responses={200: SupervisionSerializer(many=True), **ERRORS},
        summary="Reminders and supervision orders addressed to this agency",
    )
    def get(self, request):
        items, _data = _items(request, agency=request.tenant)
        return paginated(request, self, items, SupervisionSerializer)


class AgencySupervisionItem(APIView):
    permission_classes = [IsStaffOfHostAgency]

    @extend_schema(
        responses={200: SupervisionSerializer, 404: ERRORS[404]}, summary="One item to this agency"
    )
    def get(self, request, item_id):
        return Response(SupervisionSerializer(_own_item(request, item_id)).data)

    @extend_schema(
        request=AnswerInput,
        responses={200: SupervisionSerializer, **ERRORS},
        summary="Answer a reminder or supervision order (once)",
    )
    def post(self, request, item_id):
        item = _own_item(request, item_id)
        form = AnswerInput(data=request.data)
        form.is_valid(raise_exception=True)
        answered = ovs_services.answer_supervision(
            actor=_actor(request), item=item, text=form.validated_data["answer"]
        )
        return Response(SupervisionSerializer(answered).data)
