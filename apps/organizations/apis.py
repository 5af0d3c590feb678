"""HTTP for organisations, their verification and their members."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.accounts.permissions import PeopleOnly
from apps.core.changes import UPDATED_SINCE_PARAMETER
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.core.validators import validate_credit_code
from apps.organizations import examples
from apps.organizations.models import Membership, MembershipRole, OrganizationType
from apps.organizations.selectors import (
    access_organization,
    access_organization_as_admin,
    membership_list,
    organization_list,
)
from apps.organizations.services import (
    membership_add,
    membership_change_role,
    membership_remove,
    organization_create,
    organization_update,
    organization_verify,
)

TAGS = ["organizations"]


def _credit_code(value: str) -> None:
    # Validated as typed: lower case and forbidden letters are errors, not silently fixed.
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        validate_credit_code(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages, code="invalid_credit_code") from None


class OrganizationCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=300, required=False, allow_blank=True)
    short_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=OrganizationType.choices)
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        required=False,
        default="CN",
        help_text="ISO 3166-1 alpha-2 code of the country of registration (default CN).",
        error_messages={"invalid": _("A country code has two letters (ISO 3166-1 alpha-2).")},
    )
    credit_code = serializers.CharField(
        min_length=1,
        max_length=64,
        required=False,
        validators=[_credit_code],
        help_text="Unified social credit code; required in China, absent elsewhere.",
    )
    region_code = serializers.RegexField(
        r"^\d{6}$",
        required=False,
        help_text="GB/T 2260 region; required in China, absent elsewhere.",
        error_messages={"invalid": _("A region code has six digits.")},
    )
    registration_id = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Outside China: the registration number in the country (e.g. Vietnam's 10-digit enterprise code).",
    )
    foreign_region = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Outside China: province or state."
    )
    entity_type_code = serializers.RegexField(
        r"^\d{3}$", error_messages={"invalid": _("An entity type code has three digits.")}
    )
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)


class OrganizationUpdateInputSerializer(OrganizationCreateInputSerializer):
    """Every field optional; the type cannot change after registration."""

    type = None  # type: ignore[assignment]

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class OrganizationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    short_name = serializers.CharField()
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    country = serializers.CharField(source="country.alpha2")
    country_name = serializers.CharField(source="country.name_zh")
    credit_code = serializers.CharField()
    registration_id = serializers.CharField()
    region_code = serializers.CharField(source="region_id", allow_null=True)
    region_name = serializers.CharField(source="region.name_zh", allow_null=True, default=None)
    foreign_region = serializers.CharField()
    entity_type_code = serializers.CharField(source="entity_type_id")
    entity_type_name = serializers.CharField(source="entity_type.name_zh")
    address = serializers.CharField()
    website = serializers.CharField()
    description = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    verification_status = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class OrganizationVerifyInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MembershipOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class MembershipAddInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.MEMBER)


class MembershipUpdateInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class OrganizationListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_list",
        parameters=[
            OpenApiParameter("type", str, enum=OrganizationType.values),
            OpenApiParameter("verification_status", str),
            OpenApiParameter("region", str, description="Region code; a prefecture code matches its districts."),
            OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 country code."),
            OpenApiParameter("q", str, description="Search by name (Chinese or English) or credit code."),
            UPDATED_SINCE_PARAMETER,
        ],
        responses={200: OrganizationOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        qs = organization_list(actor=request_user(request), filters=request.query_params)
        return paginated_response(
            request=request, view=self, queryset=qs, serializer_class=OrganizationOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_create",
        examples=[*examples.ORGANIZATIONS_CREATE, *examples.ORGANIZATIONS_CREATE_ABROAD],
        request=OrganizationCreateInputSerializer,
        responses={201: OrganizationOutputSerializer},
        summary="Register an organisation; the caller becomes its admin and it awaits the operator's verification.",
    )
    def post(self, request: Request) -> Response:
        serializer = OrganizationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = organization_create(actor=request_user(request), **serializer.validated_data)
        return Response(OrganizationOutputSerializer(organization).data, status=status.HTTP_201_CREATED)


class OrganizationDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="organizations_retrieve", responses={200: OrganizationOutputSerializer})
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_organization(actor=request_user(request), pk=organization_id)
        return Response(OrganizationOutputSerializer(organization).data)

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_update",
        examples=examples.ORGANIZATIONS_UPDATE,
        request=OrganizationUpdateInputSerializer,
        responses={200: OrganizationOutputSerializer},
        summary="Change the profile. Changing a verified name or credit code sends it back to verification.",
    )
    def patch(self, request: Request, organization_id: int) -> Response:
        organization = access_organization_as_admin(actor=request_user(request), pk=organization_id)
        serializer = OrganizationUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = organization_update(
            actor=request_user(request), organization=organization, data=serializer.validated_data
        )
        return Response(OrganizationOutputSerializer(organization).data)


class OrganizationVerifyApi(APIView):
    permission_classes = [IsAuthenticated, PeopleOnly]

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_verify",
        examples=examples.ORGANIZATIONS_VERIFY,
        request=OrganizationVerifyInputSerializer,
        responses={200: OrganizationOutputSerializer},
        summary="The operator verifies or rejects a pending organisation.",
    )
    def post(self, request: Request, organization_id: int) -> Response:
        organization = access_organization(actor=request_user(request), pk=organization_id)
        serializer = OrganizationVerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = organization_verify(
            actor=request_user(request), organization=organization, **serializer.validated_data
        )
        return Response(OrganizationOutputSerializer(organization).data)


class MembershipListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS, operation_id="organizations_members_list", responses={200: MembershipOutputSerializer(many=True)}
    )
    def get(self, request: Request, organization_id: int) -> Response:
        organization = access_organization(actor=request_user(request), pk=organization_id)
        memberships = membership_list(actor=request_user(request), organization=organization)
        return paginated_response(
            request=request, view=self, queryset=memberships, serializer_class=MembershipOutputSerializer
        )

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_members_add",
        examples=examples.ORGANIZATIONS_MEMBERS_ADD,
        request=MembershipAddInputSerializer,
        responses={201: MembershipOutputSerializer},
    )
    def post(self, request: Request, organization_id: int) -> Response:
        organization = access_organization_as_admin(actor=request_user(request), pk=organization_id)
        serializer = MembershipAddInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_add(actor=request_user(request), organization=organization, **serializer.validated_data)
        return Response(MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    def _membership(self, request: Request, organization_id: int, membership_id: int) -> Membership:
        organization = access_organization_as_admin(actor=request_user(request), pk=organization_id)
        return get_object_or_404(
            membership_list(actor=request_user(request), organization=organization), pk=membership_id
        )

    @extend_schema(
        tags=TAGS,
        operation_id="organizations_members_update",
        examples=examples.ORGANIZATIONS_MEMBERS_UPDATE,
        request=MembershipUpdateInputSerializer,
        responses={200: MembershipOutputSerializer},
    )
    def patch(self, request: Request, organization_id: int, membership_id: int) -> Response:
        membership = self._membership(request, organization_id, membership_id)
        serializer = MembershipUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_change_role(
            actor=request_user(request), membership=membership, **serializer.validated_data
        )
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(tags=TAGS, operation_id="organizations_members_remove", responses={204: None})
    def delete(self, request: Request, organization_id: int, membership_id: int) -> Response:
        membership = self._membership(request, organization_id, membership_id)
        membership_remove(actor=request_user(request), membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)
