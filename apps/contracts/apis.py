"""HTTP for technology contracts: terms and amounts, deductions, milestones, payments, the signed
document, registration (认定登记) and its events, the history, and brokers' commissions."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.brokers.selectors import broker_for_user
from apps.contracts.catalogue import (
    ContractSubtype,
    ContractType,
    DeductionKind,
    IPType,
    LegacyClass,
    ProgrammeClass,
)
from apps.contracts.models import Contract, RefusalGround, Registration, RegistrationStatus
from apps.contracts.selectors import (
    access_contract,
    access_registration,
    broker_commission_contracts,
    broker_commission_lines,
    contract_history,
    contract_list,
    deduction_list,
    market_today,
    milestone_list,
    payment_list,
    registration_event_list,
    registration_list,
)
from apps.contracts.services import (
    check_operator,
    contract_create,
    contract_document_attach,
    contract_update,
    deduction_add,
    milestone_create,
    payment_create,
    registration_apply,
    registration_decide,
    registration_record_event,
    registration_resubmit,
)
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.history import HistoryEventOutputSerializer, HistoryPagination
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.versioning import IF_MATCH_PARAMETER, PRECONDITION_RESPONSES, require_if_match, with_etag
from apps.organizations.selectors import is_operator

TAGS = ["contracts"]
REGISTRATION_TAGS = ["registrations"]


def _money(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=16, decimal_places=2, **kwargs)


class OldestFirstPagination(StandardCursorPagination):
    ordering = "id"


# --- serializers -------------------------------------------------------------------------------


class DeductionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeductionKind.choices)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    amount = _money(help_text="Yuan, more than zero.")


class DeductionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    amount = _money()


class ContractFieldsMixin(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    contract_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(choices=ContractType.choices)
    subtype = serializers.ChoiceField(choices=ContractSubtype.choices, help_text="Must belong to the type.")
    ip_type = serializers.ChoiceField(choices=IPType.choices)
    technology_field_code = serializers.CharField(max_length=8, help_text="reference/technology-fields code.")
    programme_class = serializers.ChoiceField(choices=ProgrammeClass.choices, default=ProgrammeClass.NONE)
    signed_on = serializers.DateField(help_text="Not in the future (Asia/Shanghai).")
    valid_from = serializers.DateField(required=False, help_text="Default: the signing date.")
    valid_until = serializers.DateField(required=False, allow_null=True)
    contract_amount = _money(help_text="Yuan, more than zero.")
    deductions = DeductionInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=200, help_text="Non-technical costs; their sum ≤ the contract amount."
    )


def _party_fields(role: str) -> dict[str, serializers.Field]:
    return {
        f"{role}_id": serializers.IntegerField(
            required=False, allow_null=True, help_text=f"The {role} organisation on the platform."
        ),
        f"{role}_name": serializers.CharField(
            max_length=200, required=False, allow_blank=True, help_text="Required for a party not on the platform."
        ),
        f"{role}_country_code": serializers.CharField(
            max_length=3, required=False, allow_blank=True, help_text="ISO 3166-1 numeric; default 156 (China)."
        ),
        f"{role}_region_code": serializers.CharField(
            max_length=6, required=False, allow_blank=True, help_text="GB/T 2260; default the organisation's region."
        ),
        f"{role}_entity_type_code": serializers.CharField(
            max_length=3, required=False, allow_blank=True, help_text="Default the organisation's entity type."
        ),
    }


ContractCreateInputSerializer = type(
    "ContractCreateInputSerializer",
    (ContractFieldsMixin,),
    {
        "deal_id": serializers.IntegerField(required=False, allow_null=True, help_text="The deal it closes."),
        **_party_fields("buyer"),
        **_party_fields("seller"),
    },
)


class ContractUpdateInputSerializer(ContractFieldsMixin):
    """Every term optional; ``deductions``, when given, replaces all lines. Parties and deal do not change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class ContractFilterInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ContractType.choices, required=False)
    subtype = serializers.ChoiceField(choices=ContractSubtype.choices, required=False)
    legacy_class = serializers.ChoiceField(choices=LegacyClass.choices, required=False)
    programme_class = serializers.ChoiceField(choices=ProgrammeClass.choices, required=False)
    ip_type = serializers.ChoiceField(choices=IPType.choices, required=False)
    is_import = serializers.BooleanField(required=False, allow_null=True, default=None)
    deal = serializers.IntegerField(required=False, min_value=1)
    organization = serializers.IntegerField(required=False, min_value=1)
    signed_from = serializers.DateField(required=False)
    signed_to = serializers.DateField(required=False)


class ContractOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    contract_number = serializers.CharField()
    deal_id = serializers.IntegerField(allow_null=True)
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    subtype = serializers.CharField()
    subtype_display = serializers.CharField(source="get_subtype_display")
    legacy_class = serializers.CharField()
    buyer_id = serializers.IntegerField(allow_null=True)
    buyer_name = serializers.CharField()
    buyer_country_code = serializers.CharField(source="buyer_country_id")
    buyer_region_code = serializers.CharField(source="buyer_region_id", allow_null=True)
    buyer_entity_type_code = serializers.CharField(source="buyer_entity_type_id")
    seller_id = serializers.IntegerField(allow_null=True)
    seller_name = serializers.CharField()
    seller_country_code = serializers.CharField(source="seller_country_id")
    seller_region_code = serializers.CharField(source="seller_region_id", allow_null=True)
    seller_entity_type_code = serializers.CharField(source="seller_entity_type_id")
    is_import = serializers.BooleanField()
    registrant_id = serializers.IntegerField(allow_null=True, help_text="The organisation that registers it.")
    ip_type = serializers.CharField()
    technology_field_code = serializers.CharField(source="technology_field_id")
    technology_field_name = serializers.CharField(source="technology_field.name_zh")
    programme_class = serializers.CharField()
    signed_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    contract_amount = _money()
    deductions_total = _money()
    technology_amount = _money()
    deductions = DeductionOutputSerializer(many=True)
    paid_amount = _money(help_text="Sum of payments received.")
    registration_status = serializers.CharField(allow_null=True, help_text="The latest registration's status.")
    has_document = serializers.SerializerMethodField()
    document_name = serializers.CharField()
    document_sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_has_document(self, obj: Contract) -> bool:
        return bool(obj.document)


class ContractMilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    amount = _money(help_text="Yuan, more than zero; all milestones together ≤ the contract amount.")


class ContractMilestoneOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    amount = _money()
    paid_amount = _money(help_text="Payments recorded against this milestone.")


class ContractPaymentInputSerializer(serializers.Serializer):
    amount = _money(help_text="Yuan, more than zero; all payments together ≤ the contract amount.")
    paid_on = serializers.DateField(help_text="Not in the future.")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    milestone_id = serializers.IntegerField(required=False, allow_null=True)


class ContractPaymentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_id = serializers.IntegerField()
    milestone_id = serializers.IntegerField(allow_null=True)
    amount = _money()
    paid_on = serializers.DateField()
    reference = serializers.CharField()
    note = serializers.CharField()
    recorded_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class DocumentUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The signed contract: PDF, image or Office file.")


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
    clock_started_on = serializers.DateField()
    working_days = serializers.IntegerField()
    deadline = serializers.DateField()
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
    effective_on = serializers.DateField(
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
    effective_on = serializers.DateField()
    contract_amount = _money(allow_null=True)
    technology_amount = _money(allow_null=True)
    contract_amount_delta = _money(allow_null=True)
    technology_amount_delta = _money(allow_null=True)
    note = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContractHistoryOutputSerializer(HistoryEventOutputSerializer):
    model = serializers.CharField(source="pgh_obj_model", help_text="contracts.Contract, contracts.Payment, …")
    label = serializers.CharField(  # type: ignore[assignment]
        source="pgh_label", help_text="insert, update or delete."
    )
    data = serializers.JSONField(source="pgh_data", help_text="The row after the change.")  # type: ignore[assignment]


class CommissionOutputSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField(source="contract.pk")
    contract_title = serializers.CharField(source="contract.title")
    deal_id = serializers.IntegerField(source="contract.deal_id")
    introduction_id = serializers.IntegerField(source="introduction.pk", allow_null=True)
    commission_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, source="introduction.commission_rate", allow_null=True
    )
    commission_fixed = _money(source="introduction.commission_fixed", allow_null=True)
    commission_cap = _money(source="introduction.commission_cap", allow_null=True)
    contract_amount = _money(source="contract.contract_amount")
    technology_amount = _money(source="contract.technology_amount")
    paid_amount = _money()
    paid_technology_amount = _money(help_text="paid × technology amount / contract amount, half up to the fen.")
    commission = _money(help_text="min(cap, rate × paid technology amount + fixed once anything is paid).")


# --- helpers -----------------------------------------------------------------------------------


def _contract_response(request: Request, contract_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    contract = access_contract(actor=request_user(request), pk=contract_id)
    response = Response(ContractOutputSerializer(contract).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/contracts/{contract.pk}"
    return with_etag(response, contract.version)


def _registration_response(request: Request, registration_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    registration = access_registration(actor=request_user(request), pk=registration_id)
    response = Response(RegistrationOutputSerializer(registration).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/registrations/{registration.pk}"
    return response


# --- contracts ---------------------------------------------------------------------------------


class ContractListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_list",
        parameters=[ContractFilterInputSerializer],
        responses={200: ContractOutputSerializer(many=True)},
        summary="Contracts you are a party to or broker; all for the operator.",
    )
    def get(self, request: Request) -> Response:
        filters = ContractFilterInputSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = contract_list(actor=request_user(request), filters=filters.validated_data)
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ContractOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_create",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ContractCreateInputSerializer,
        responses={201: ContractOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record a signed contract with its deductions (a party, a broker of its deal, or the operator).",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = ContractCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = contract_create(actor=request_user(request), data=serializer.validated_data)
        return _contract_response(request, contract.pk, code=status.HTTP_201_CREATED)


class ContractDetailApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_retrieve",
        responses={200: ContractOutputSerializer},
        summary="One contract; the ETag is its version.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        return _contract_response(request, contract_id)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_update",
        parameters=[IF_MATCH_PARAMETER],
        request=ContractUpdateInputSerializer,
        responses={200: ContractOutputSerializer, **PRECONDITION_RESPONSES},
        summary="Change the terms while no registration holds the contract (If-Match required).",
    )
    def patch(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        expected = require_if_match(request)
        serializer = ContractUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract_update(actor=actor, contract=contract, expected_version=expected, data=serializer.validated_data)
        return _contract_response(request, contract_id)


class ContractDeductionListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_deductions_list",
        responses={200: DeductionOutputSerializer(many=True)},
        summary="The contract's non-technical deduction lines.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(DeductionOutputSerializer(deduction_list(contract=contract), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_deductions_create",
        parameters=[IF_MATCH_PARAMETER],
        request=DeductionInputSerializer,
        responses={201: DeductionOutputSerializer, **PRECONDITION_RESPONSES},
        summary="Add a deduction line; the technology amount follows (If-Match: the contract's ETag).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        expected = require_if_match(request)
        serializer = DeductionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deduction = deduction_add(
            actor=actor, contract=contract, expected_version=expected, **serializer.validated_data
        )
        response = Response(DeductionOutputSerializer(deduction).data, status=status.HTTP_201_CREATED)
        return with_etag(response, expected + 1)


class ContractMilestoneListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_milestones_list",
        responses={200: ContractMilestoneOutputSerializer(many=True)},
        summary="The payment schedule, by due date.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return Response(ContractMilestoneOutputSerializer(milestone_list(contract=contract), many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_milestones_create",
        request=ContractMilestoneInputSerializer,
        responses={201: ContractMilestoneOutputSerializer},
        summary="Schedule a payment (the parties or the operator).",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ContractMilestoneInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = milestone_create(actor=actor, contract=contract, **serializer.validated_data)
        milestone.paid_amount = 0  # type: ignore[attr-defined]
        return Response(ContractMilestoneOutputSerializer(milestone).data, status=status.HTTP_201_CREATED)


class ContractPaymentListCreateApi(APIView):
    pagination_class = OldestFirstPagination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_payments_list",
        responses={200: ContractPaymentOutputSerializer(many=True)},
        summary="Payments received, oldest first.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=payment_list(contract=contract),
            serializer_class=ContractPaymentOutputSerializer,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_payments_create",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ContractPaymentInputSerializer,
        responses={201: ContractPaymentOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Record money received (the parties or the operator); never beyond the contract amount.",
    )
    @idempotent
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = ContractPaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payment_create(actor=actor, contract=contract, **serializer.validated_data)
        return Response(ContractPaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED)


class ContractDocumentApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_document_download",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download the signed document.",
    )
    def get(self, request: Request, contract_id: int) -> FileResponse:
        contract = access_contract(actor=request_user(request), pk=contract_id)
        if not contract.document:
            raise ApplicationError(_("No signed document has been uploaded."), code=ErrorCode.NOT_FOUND, status=404)
        return FileResponse(
            contract.document.open("rb"),
            as_attachment=True,
            filename=contract.document_name,
            content_type=contract.document_content_type,
        )

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_document_upload",
        request={"multipart/form-data": DocumentUploadInputSerializer},
        responses={200: ContractOutputSerializer},
        summary="Upload (or replace) the signed document; checked on its bytes.",
    )
    def post(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        serializer = DocumentUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract_document_attach(actor=actor, contract=contract, upload=serializer.validated_data["file"])
        return _contract_response(request, contract_id)


class ContractHistoryApi(APIView):
    pagination_class = HistoryPagination

    @extend_schema(
        tags=TAGS,
        operation_id="contracts_history",
        responses={200: ContractHistoryOutputSerializer(many=True)},
        summary="Operator: every recorded change of the contract, its money and its registration, with actor and time.",
    )
    def get(self, request: Request, contract_id: int) -> Response:
        actor = request_user(request)
        contract = access_contract(actor=actor, pk=contract_id)
        if not is_operator(actor):
            raise ApplicationError(
                _("Only the market operator reads a contract's history."), code=ErrorCode.PERMISSION_DENIED, status=403
            )
        return paginated_response(
            request=request,
            view=self,
            queryset=contract_history(contract=contract),
            serializer_class=ContractHistoryOutputSerializer,
        )


class ContractRegistrationApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="contracts_registration_apply",
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


# --- registrations -----------------------------------------------------------------------------


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
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RegistrationDecideInputSerializer,
        responses={200: RegistrationOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Operator: register (number, recognised amounts), request a correction, or refuse with a ground.",
    )
    @idempotent
    def post(self, request: Request, registration_id: int) -> Response:
        actor = request_user(request)
        registration = access_registration(actor=actor, pk=registration_id)
        check_operator(actor)
        serializer = RegistrationDecideInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration_decide(actor=actor, registration=registration, **serializer.validated_data)
        return _registration_response(request, registration_id)


class RegistrationResubmitApi(APIView):
    @extend_schema(
        tags=REGISTRATION_TAGS,
        operation_id="registrations_resubmit",
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
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RegistrationEventInputSerializer,
        responses={201: RegistrationEventOutputSerializer, **IDEMPOTENCY_RESPONSES},
        summary="Operator: register a change, termination, annulment or amount correction of a registered contract.",
    )
    @idempotent
    def post(self, request: Request, registration_id: int) -> Response:
        actor = request_user(request)
        registration = access_registration(actor=actor, pk=registration_id)
        check_operator(actor)
        serializer = RegistrationEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = registration_record_event(actor=actor, registration=registration, **serializer.validated_data)
        return Response(RegistrationEventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


# --- commissions -------------------------------------------------------------------------------


class BrokerCommissionListApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=["brokers"],
        operation_id="brokers_me_commissions",
        responses={200: CommissionOutputSerializer(many=True)},
        summary="Your commissions per contract of the deals you broker, on what was paid (404: no broker profile).",
    )
    def get(self, request: Request) -> Response:
        broker = broker_for_user(request_user(request))
        if broker is None:
            raise ApplicationError(_("You have no broker profile."), code=ErrorCode.NOT_FOUND, status=404)
        return paginated_response(
            request=request,
            view=self,
            queryset=broker_commission_contracts(broker=broker),
            render=lambda page: (
                CommissionOutputSerializer(broker_commission_lines(broker=broker, contracts=page), many=True).data
            ),
        )
