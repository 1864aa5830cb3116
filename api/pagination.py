"""Pagination and filters shared by every list of the API: ``page`` and ``page_size``, answered with
``count``, ``next``, ``previous`` and ``results``; filters validated like any request body (a bad value
is a 400 that names the parameter, never an empty list that looks like "nothing there")."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from api.serializers import BoundedDateField
from cases.index.models import CaseIndex
from cases.models import CaseState, PetitionType


class HallPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def paginated(request, view, rows, serializer_class, **extra: Any) -> Response:
    """One page of ``rows`` (a queryset or a list) through ``serializer_class``; ``extra`` keys are added
    beside count/next/previous/results."""
    paginator = HallPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    response = paginator.get_paginated_response(serializer_class(page, many=True).data)
    response.data.update(extra)
    return response


class CaseListFilters(serializers.Serializer):
    """The filters of a list of cases (citizen's or agency's): all optional, combined with AND."""

    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    petition_type = serializers.ChoiceField(choices=PetitionType.choices, required=False)
    is_open = serializers.BooleanField(required=False, allow_null=True, default=None)
    submitted_after = BoundedDateField(required=False, help_text="submitted on or after (local day)")
    submitted_before = BoundedDateField(required=False, help_text="submitted on or before (local day)")
    q = serializers.CharField(required=False, max_length=100, help_text="words in the title")

    def apply(self, rows: QuerySet[CaseIndex]) -> QuerySet[CaseIndex]:
        data = self.validated_data
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        if data.get("petition_type"):
            rows = rows.filter(petition_type=data["petition_type"])
        if data.get("is_open") is not None:
            rows = rows.filter(is_open=data["is_open"])
        if data.get("submitted_after"):
            rows = rows.filter(submitted_on__gte=data["submitted_after"])
        if data.get("submitted_before"):
            rows = rows.filter(submitted_on__lte=data["submitted_before"])
        for word in (data.get("q") or "").split()[:5]:
            rows = rows.filter(title__icontains=word)
        return rows


def filtered(request, filters_class: type[serializers.Serializer]) -> Any:
    # A plain dict: DRF reads a missing boolean of form-encoded data (a QueryDict) as False.
    form = filters_class(data=request.query_params.dict())
    form.is_valid(raise_exception=True)
    return form
