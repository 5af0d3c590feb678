"""HTTP for registration (认定登记): the application, the operator's decision and later events."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts import examples
from apps.contracts.apis.common import REGISTRATION_TAGS
from apps.contracts.apis.common import money as _money
from apps.contracts.models import RefusalGround, Registration, RegistrationStatus
from apps.contracts.selectors import (
    access_contract,
    access_registration,
    access_registration_for_operator,
    market_today,
    registration_event_list,
    registration_list,
)
from apps.contracts.services import (
    registration_apply,
    registration_decide,
    registration_record_event,
    registration_resubmit,
)
from apps.core.fields import AwareDateTimeField, MarketDateField
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response


class RegistrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    contract_title = serializers.CharField(source="contract.title")
    applicant_id = serializers.IntegerField()
    applicant_name = serializers.CharField(source="applicant.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    rule_set_version = serializers.CharField(source="rule_set.version")
    declared_contract_amount = _money()
    declared_technology_amount = _money()
    applied_at = serializers.DateTimeField()
    clock_started_on = MarketDateField()
    working_days = serializers.IntegerField()
    deadline = MarketDateField()
    deadline_provisional = serializers.BooleanField()
    is_overdue = serializers.SerializerMethodField()
    registration_number = serializers.CharField(allow_null=True)
    recognised_contract_amount = _money(allow_null=True)
    recognised_technology_amount = _money(allow_null=True)
    refusal_ground = serializers.CharField()
    decision_note = serializers.CharField()
    correction_note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by_id = serializers.IntegerField(allow_null=True)

    def get_is_overdue(self, obj: Registration) -> bool:
        return obj.status == RegistrationStatus.APPLIED and obj.deadline < market_today()


class RegistrationFilterInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RegistrationStatus.choices, required=False)
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Applications past their deadline, undecided."
    )
    contract = serializers.IntegerField(required=False, min_value=1)
    updated_since = AwareDateTimeField(
        required=False, help_text="Only registrations changed at or after this time (with its offset)."
    )


class RegistrationApplyInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationDecideInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["register", "request_correction", "refuse"])
    registration_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="", help_text="14–16 digits; default: issued here."
    )
    recognised_contract_amount = _money(required=False, allow_null=True, help_text="Default: as declared.")
    recognised_technology_amount = _money(required=False, allow_null=True, help_text="Default: as declared.")
    refusal_ground = serializers.ChoiceField(
        choices=RefusalGround.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationResubmitInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationEventInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["change", "termination", "annulment", "amount_correction"])
    effective_on = MarketDateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Required, except for an amount correction (it takes effect on the registration date).",
    )
    contract_amount = _money(required=False, allow_null=True, help_text="The recognised contract amount after.")
    technology_amount = _money(required=False, allow_null=True, help_text="The recognised technology amount after.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RegistrationEventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    registration_id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    effective_on = MarketDateField()
    contract_amount = _money(allow_null=True)
    technology_amount = _money(allow_null=True)
    contract_amount_delta = _money(allow_null=True)
    technology_amount_delta = _money(allow_null=True)
    note = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


def _registration_response(request: Request, registration_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    registration = access_registration(actor=request_user(request), pk=registration_id)
    response = Response(RegistrationOutputSerializer(registration).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/registrations/{registration.pk}"
    return response


class ContractRegistrationApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="contracts_registration_apply",
        examples=examples.REGISTRATION_APPLY,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RegistrationApplyInputSerializer,
        responses={201: RegistrationOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="The seller (the domestic buyer of an import) applies to register the contract, once.",
    )
    @idempotent
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = RegistrationApplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = registration_apply(actor=actor, contract=contract)
        return _registration_response(request, registration.pk, code=status.HTTP_201_CREATED)


class RegistrationListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_list",
        parameters=[RegistrationFilterInputSerializer],
        responses={200: RegistrationOutputSerializer(many=True)},
        summary="The operator's queue (all; overdue=true for undecided applications past their deadline); "
        "parties see their own.",
    )
    def get(self, request: Request) -> Response:
        filters = RegistrationFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = registration_list(actor=request_user(request), filters=filters.validated_data)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=RegistrationOutputSerializer
        )


class RegistrationDetailApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_retrieve",
        responses={200: RegistrationOutputSerializer},
        summary="One registration with its deadline and decision.",
    )
    def get(self, request: Request, registration_id: int) -> Response:
        return _registration_response(request, registration_id)


class RegistrationDecideApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_decide",
        examples=examples.REGISTRATION_DECIDE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RegistrationDecideInputSerializer,
        responses={200: RegistrationOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Operator: register (number, recognised amounts), request a correction, or refuse with a ground.",
    )
    @idempotent
    def post(self, request: Request, registration_id: int) -> Response:
        actor = request_user(request)
        registration = access_registration_for_operator(actor=actor, pk=registration_id)
        serializer = RegistrationDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration_decide(actor=actor, registration=registration, **serializer.validated_data)
        return _registration_response(request, registration_id)


class RegistrationResubmitApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_resubmit",
        examples=examples.REGISTRATIONS_RESUBMIT,
        request=RegistrationResubmitInputSerializer,
        responses={200: RegistrationOutputSerializer},
        summary="The applicant resubmits after a correction request; the deadline counts again.",
    )
    def post(self, request: Request, registration_id: int) -> Response:
        actor = request_user(request)
        registration = access_registration(actor=actor, pk=registration_id)
        serializer = RegistrationResubmitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration_resubmit(actor=actor, registration=registration, **serializer.validated_data)
        return _registration_response(request, registration_id)


class RegistrationEventListCreateApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_events_list",
        responses={200: RegistrationEventOutputSerializer(many=True)},
        summary="Every event of the registration, in order, with the recognised amounts after each.",
    )
    def get(self, request: Request, registration_id: int) -> Response:
        registration = access_registration(actor=request_user(request), pk=registration_id)
        events = registration_event_list(registration=registration)
        return Response(RegistrationEventOutputSerializer(events, many=True).data)

    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_events_create",
        examples=examples.REGISTRATIONS_EVENTS_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RegistrationEventInputSerializer,
        responses={201: RegistrationEventOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Operator: register a change, termination, annulment or amount correction of a registered contract.",
    )
    @idempotent
    def post(self, request: Request, registration_id: int) -> Response:
        actor = request_user(request)
        registration = access_registration_for_operator(actor=actor, pk=registration_id)
        serializer = RegistrationEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = registration_record_event(actor=actor, registration=registration, **serializer.validated_data)
        return Response(RegistrationEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)
