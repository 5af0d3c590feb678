"""HTTP for technology contracts: terms and amounts, deductions, the signed document and the history."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.contracts import examples
from apps.contracts.apis.common import TAGS
from apps.contracts.apis.common import money as _money
from apps.contracts.catalogue import (
    ContractSubtype,
    ContractType,
    DeductionKind,
    IPType,
    LegacyClass,
    ProgrammeClass,
)
from apps.contracts.models import Contract
from apps.contracts.selectors import (
    ZONES,
    access_contract,
    contract_history,
    contract_list,
    deduction_list,
)
from apps.contracts.services import (
    contract_create,
    contract_document_attach,
    contract_update,
    contract_upsert_by_external_id,
    deduction_add,
)
from apps.core.errors import ApplicationError, ErrorCode
from apps.core.fields import AwareDateTimeField, MarketDateField
from apps.core.history import HistoryEventOutputSerializer, HistoryPagination
from apps.core.idempotency import IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from apps.core.negotiation import FileResponseNegotiation
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.core.validators import market_date_problem
from apps.core.versioning import (
    IF_MATCH_PARAMETER,
    PRECONDITION_RESPONSES,
    parse_if_match,
    require_if_match,
    with_etag,
)


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
    signed_on = MarketDateField(help_text="Not in the future (Asia/Shanghai).")
    valid_from = MarketDateField(required=False, help_text="Default: the signing date.")
    valid_until = MarketDateField(required=False, allow_null=True)
    contract_amount = _money(help_text="Yuan, more than zero.")
    deductions = DeductionInputSerializer(  # type: ignore[call-arg]
        many=True, required=False, max_length=200, help_text="Non-technical costs; their sum ≤ the contract amount."
    )
    ip_asset_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=100,
        help_text="The IP assets the contract transfers or licenses (held by a party). Default with `deal_id`: the "
        "achievement's. A transfer or exclusive licence of a pledged asset needs the pledgee's consent (409 "
        "`asset_pledged_without_consent`).",
    )
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Your organisation's own id for the contract, unique in it (empty: none).",
    )
    external_owner_id = serializers.IntegerField(
        required=False, help_text="Which of your organisations gives the external id; defaults to your only one."
    )


def _party_fields(role: str) -> dict[str, serializers.Field]:
    return {
        f"{role}_id": serializers.IntegerField(
            required=False,
            allow_null=True,
            help_text=f"The {role} organisation on the platform. With `deal_id`: the deal's {role} when left out; "
            f"another organisation is refused (400 `contract_deal_mismatch`).",
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


ZONE_HELP = (
    "Comma-separated flow classes of the {role} as the statistics see them from the home city: "
    "city, province, domestic, hmt, asean, abroad."
)
ENTITY_TYPE_HELP = "Comma-separated {role} entity type codes; a top-level code (100) takes in its subcodes."


class CommaListField(serializers.CharField):
    """``a,b,c`` → ["a", "b", "c"], each checked against ``pattern`` or ``choices``."""

    pattern: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()
    default_error_messages = {"bad_value": gettext_lazy("%(value)s is not a valid value here.")}

    def to_internal_value(self, data: Any) -> list[str]:  # type: ignore[override]
        text = super().to_internal_value(data)
        values = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
        if not values:
            self.fail("blank")
        for value in values:
            fits = value in self.choices if self.choices else bool(self.pattern and self.pattern.match(value))
            if not fits:
                self.fail("bad_value", value=value[:40])
        return values


class CodeListField(CommaListField):
    pattern = re.compile(r"^[0-9A-Za-z]{1,8}$")


class EntityTypeListField(CommaListField):
    pattern = re.compile(r"^\d{3}$")


class ZoneListField(CommaListField):
    choices = ZONES


class RegisteredMonthField(serializers.CharField):
    default_error_messages = {"invalid_month": gettext_lazy("Use YYYY-MM.")}

    def to_internal_value(self, data: Any) -> date:  # type: ignore[override]
        text = super().to_internal_value(data)
        match = re.match(r"^(\d{4})-(\d{2})$", text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            self.fail("invalid_month")
        month = date(int(match.group(1)), int(match.group(2)), 1)
        problem = market_date_problem(month)
        if problem:
            raise serializers.ValidationError(problem, code="date_out_of_range")
        return month


class ContractFilterInputSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ContractType.choices, required=False)
    subtype = serializers.ChoiceField(choices=ContractSubtype.choices, required=False)
    legacy_class = serializers.ChoiceField(choices=LegacyClass.choices, required=False)
    programme_class = serializers.ChoiceField(choices=ProgrammeClass.choices, required=False)
    ip_type = serializers.ChoiceField(choices=IPType.choices, required=False)
    is_import = serializers.BooleanField(required=False, allow_null=True, default=None)
    deal = serializers.IntegerField(required=False, min_value=1)
    organization = serializers.IntegerField(required=False, min_value=1)
    signed_from = MarketDateField(required=False)
    signed_to = MarketDateField(required=False)
    external_id = serializers.CharField(
        required=False, max_length=100, help_text="The contract your organisations know by this external id."
    )
    updated_since = AwareDateTimeField(
        required=False, help_text="Only contracts changed at or after this time (with its offset)."
    )
    registered_month = RegisteredMonthField(
        required=False,
        help_text="YYYY-MM: contracts registered (认定登记) in that month, as the statistics count them.",
    )
    technology_field = CodeListField(
        required=False, help_text="Comma-separated technology field codes (reference/technology-fields)."
    )
    seller_zone = ZoneListField(required=False, help_text=ZONE_HELP.format(role="seller"))
    buyer_zone = ZoneListField(required=False, help_text=ZONE_HELP.format(role="buyer"))
    seller_entity_type = EntityTypeListField(required=False, help_text=ENTITY_TYPE_HELP.format(role="seller"))
    buyer_entity_type = EntityTypeListField(required=False, help_text=ENTITY_TYPE_HELP.format(role="buyer"))


class ContractOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    external_id = serializers.CharField()
    external_owner_id = serializers.IntegerField(allow_null=True, help_text="The organisation that gave external_id.")
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
    ip_asset_ids = serializers.SerializerMethodField(help_text="The IP assets the contract transfers or licenses.")
    technology_field_code = serializers.CharField(source="technology_field_id")
    technology_field_name = serializers.CharField(source="technology_field.name_zh")
    programme_class = serializers.CharField()
    signed_on = MarketDateField()
    valid_from = MarketDateField()
    valid_until = MarketDateField(allow_null=True)
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

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_ip_asset_ids(self, obj: Contract) -> list[int]:
        annotated = getattr(obj, "ip_asset_ids", None)
        if annotated is not None:
            return list(annotated)
        return sorted(obj.ip_assets.values_list("pk", flat=True))


class DocumentUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The signed contract: PDF, image or Office file.")


class ContractHistoryOutputSerializer(HistoryEventOutputSerializer):
    model = serializers.CharField(source="pgh_obj_model", help_text="contracts.Contract, contracts.Payment, …")
    label = serializers.CharField(  # type: ignore[assignment]
        source="pgh_label", help_text="insert, update or delete."
    )
    data = serializers.JSONField(source="pgh_data", help_text="The row after the change.")  # type: ignore[assignment]


def _contract_response(request: Request, contract_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    contract = access_contract(actor=request_user(request), pk=contract_id)
    response = Response(ContractOutputSerializer(contract).data, status=code)
    if code == status.HTTP_201_CREATED:
        response["Location"] = f"/api/v1/contracts/{contract.pk}"
    return with_etag(response, contract.version)


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
        examples=examples.CONTRACT_CREATE,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=ContractCreateInputSerializer,
        responses={
            201: ContractOutputSerializer,
            **IDEMPOTENCY_RESPONSES,
            **problem_response(404, "No deal with this `deal_id` is visible to the caller."),
        },
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
        examples=examples.CONTRACTS_UPDATE,
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


class ContractByExternalIdApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="contracts_upsert_by_external_id",
        examples=examples.CONTRACTS_UPSERT_BY_EXTERNAL_ID,
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description='To update: the ETag you read, e.g. "3" (428 without it). To create: leave it out.',
            )
        ],
        request=ContractCreateInputSerializer,
        responses={200: ContractOutputSerializer, 201: ContractOutputSerializer, **PRECONDITION_RESPONSES},
        summary="Create the contract your organisation knows by this external id (201, Location), or update it "
        "(200, If-Match required); parties and deal are set at creation only.",
    )
    def put(self, request: Request, external_id: str) -> Response:
        raw = request.headers.get("If-Match")
        expected = parse_if_match(raw) if raw is not None and raw.strip() else None
        serializer = ContractCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract, created = contract_upsert_by_external_id(
            actor=request_user(request),
            external_id=external_id,
            data=serializer.validated_data,
            expected_version=expected,
        )
        return _contract_response(request, contract.pk, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


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
        examples=examples.CONTRACTS_DEDUCTIONS_CREATE,
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


class ContractDocumentApi(APIView):
    content_negotiation_class = FileResponseNegotiation
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
        examples=examples.CONTRACTS_DOCUMENT_UPLOAD,
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
        return paginated_response(
            request=request,
            view=self,
            queryset=contract_history(actor=actor, contract=contract),
            serializer_class=ContractHistoryOutputSerializer,
        )
