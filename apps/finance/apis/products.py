"""HTTP for finance products: institutions publish 科创贷, 知识产权质押贷款, 投贷联动 and investment offers."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.schema import problem_response
from apps.finance import examples, selectors, services
from apps.finance.apis.common import TAGS, FinanceOrgBriefSerializer, money_field, rate_field
from apps.finance.models import ProductKind
from apps.organizations.selectors import access_organization

RULES_HELP = (
    "A list of rule objects, all of which must hold: "
    '{"rule": "qualification", "kind": "tech_sme"}, {"rule": "granted_patents_min", "count": 1}, '
    '{"rule": "registered_contracts_amount_min", "amount": "500000.00"}, '
    '{"rule": "region_in", "codes": ["450200"]}, {"rule": "pledgeable_asset_required"}.'
)


class ProductInputSerializer(serializers.Serializer):
    institution_id = serializers.IntegerField(min_value=1)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProductKind.choices)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    min_amount = money_field(min_value=Decimal("0.01"))
    max_amount = money_field(min_value=Decimal("0.01"))
    min_term_months = serializers.IntegerField(min_value=1, max_value=600)
    max_term_months = serializers.IntegerField(min_value=1, max_value=600)
    min_rate = rate_field(min_value=Decimal("0"), help_text="Annual rate in percent, e.g. 3.450.")
    max_rate = rate_field(min_value=Decimal("0"))
    eligibility_rules = serializers.JSONField(default=list, help_text=RULES_HELP)  # type: ignore[arg-type]


class ProductUpdateInputSerializer(ProductInputSerializer):
    """Every field optional; the institution and kind do not change."""

    institution_id = None  # type: ignore[assignment]
    kind = None  # type: ignore[assignment]

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class ProductOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    institution = FinanceOrgBriefSerializer()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    min_amount = money_field()
    max_amount = money_field()
    min_term_months = serializers.IntegerField()
    max_term_months = serializers.IntegerField()
    min_rate = rate_field()
    max_rate = rate_field()
    eligibility_rules = serializers.JSONField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class ProductListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="finance_products_list",
        parameters=[OpenApiParameter("kind", str, enum=ProductKind.values), OpenApiParameter("institution", int)],
        responses={200: ProductOutputSerializer(many=True)},
        summary="Published finance products (an institution's members also see its drafts).",
    )
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind")
        if kind and kind not in ProductKind.values:
            raise serializers.ValidationError({"kind": [_("Not a valid kind.")]})
        institution = request.query_params.get("institution")
        if institution is not None and not institution.isdigit():
            raise serializers.ValidationError({"institution": [_("A number is required.")]})
        qs = selectors.product_list(
            actor=request_user(request), kind=kind, institution_id=int(institution) if institution else None
        )
        return paginated_response(request=request, view=self, queryset=qs, serializer_class=ProductOutputSerializer)

    @extend_schema(
        tags=TAGS,
        operation_id="finance_products_create",
        examples=examples.FINANCE_PRODUCTS_CREATE,
        request=ProductInputSerializer,
        responses={
            201: ProductOutputSerializer,
            **problem_response(404, "The institution does not exist or you are not its member."),
        },
        summary="An institution's member drafts a product (published separately).",
    )
    def post(self, request: Request) -> Response:
        actor = request_user(request)
        serializer = ProductInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        institution = access_organization(actor=actor, pk=data.pop("institution_id"))
        product = services.product_create(actor=actor, institution=institution, **data)
        return Response(ProductOutputSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="finance_products_retrieve", responses={200: ProductOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ProductOutputSerializer(selectors.access_product(actor=request_user(request), pk=pk)).data)

    @extend_schema(
        tags=TAGS,
        operation_id="finance_products_update",
        examples=examples.FINANCE_PRODUCTS_UPDATE,
        request=ProductUpdateInputSerializer,
        responses={200: ProductOutputSerializer},
        summary="Change a draft or withdrawn product.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        product = selectors.access_product(actor=actor, pk=pk)
        serializer = ProductUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.product_update(actor=actor, product=product, data=dict(serializer.validated_data))
        return Response(ProductOutputSerializer(product).data)


class ProductPublishApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_products_publish",
        request=None,
        examples=examples.FINANCE_PRODUCTS_PUBLISH,
        responses={200: ProductOutputSerializer},
        summary="Publish the product: enterprises' requests are matched against it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        product = services.product_publish(actor=actor, product=selectors.access_product(actor=actor, pk=pk))
        return Response(ProductOutputSerializer(product).data)


class ProductWithdrawApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="finance_products_withdraw",
        request=None,
        examples=examples.FINANCE_PRODUCTS_WITHDRAW,
        responses={200: ProductOutputSerializer},
        summary="Withdraw the product: no new applications; open ones continue.",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        product = services.product_withdraw(actor=actor, product=selectors.access_product(actor=actor, pk=pk))
        return Response(ProductOutputSerializer(product).data)
