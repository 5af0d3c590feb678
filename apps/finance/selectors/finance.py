"""Reads of products, requests, applications and documents, scoped to the actor.

- products: published ones for everyone; drafts and withdrawn ones for the institution's members;
- requests: the enterprise's members and the operator; an institution sees a request only through an
  application made to it;
- applications: the enterprise's members, the institution's members, the operator;
- documents: the enterprise's members and the operator; an institution's member once the enterprise
  has applied to that institution (staged disclosure).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.finance.models import (
    FinancialProduct,
    FinancingApplication,
    FinancingRequest,
    PoolEnrolment,
    ProductStatus,
    RequestDocument,
    RiskPool,
)
from apps.organizations.access import Actor, is_operator, organization_ids


def product_visible_qs(actor: Actor) -> QuerySet[FinancialProduct]:
    qs = FinancialProduct.objects.select_related("institution")
    if is_operator(actor):
        return qs
    return qs.filter(Q(status=ProductStatus.PUBLISHED) | Q(institution_id__in=organization_ids(actor)))


def product_list(
    *, actor: Actor, kind: str | None = None, institution_id: int | None = None
) -> QuerySet[FinancialProduct]:
    qs = product_visible_qs(actor)
    if kind:
        qs = qs.filter(kind=kind)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs


def access_product(*, actor: Actor, pk: int) -> FinancialProduct:
    try:
        return product_visible_qs(actor).get(pk=pk)
    except FinancialProduct.DoesNotExist:
        raise Http404 from None


def request_visible_qs(actor: Actor) -> QuerySet[FinancingRequest]:
    qs = FinancingRequest.objects.select_related("enterprise")
    if is_operator(actor):
        return qs
    return qs.filter(enterprise_id__in=organization_ids(actor))


def access_request(*, actor: Actor, pk: int) -> FinancingRequest:
    try:
        return request_visible_qs(actor).get(pk=pk)
    except FinancingRequest.DoesNotExist:
        raise Http404 from None


def application_visible_qs(actor: Actor) -> QuerySet[FinancingApplication]:
    qs = FinancingApplication.objects.select_related("product", "institution", "enterprise", "request__enterprise")
    if is_operator(actor):
        return qs
    ids = organization_ids(actor)
    return qs.filter(Q(enterprise_id__in=ids) | Q(institution_id__in=ids))


def application_list(
    *, actor: Actor, status: str | None = None, role: str | None = None
) -> QuerySet[FinancingApplication]:
    qs = application_visible_qs(actor)
    if status:
        qs = qs.filter(status=status)
    if role == "institution":
        qs = qs.filter(institution_id__in=organization_ids(actor))
    elif role == "enterprise":
        qs = qs.filter(enterprise_id__in=organization_ids(actor))
    return qs


def access_application(*, actor: Actor, pk: int) -> FinancingApplication:
    try:
        return application_visible_qs(actor).get(pk=pk)
    except FinancingApplication.DoesNotExist:
        raise Http404 from None


def _request_readable_by_institution(actor: Actor, request: FinancingRequest) -> int | None:
    """The actor's institution the enterprise applied to with ``request``, if any."""
    return (
        FinancingApplication.objects.filter(request=request, institution_id__in=organization_ids(actor))
        .values_list("institution_id", flat=True)
        .first()
    )


def access_request_for_documents(*, actor: Actor, pk: int) -> tuple[FinancingRequest, int | None]:
    """The request whose documents the actor may read, and the institution reading (None: owner or operator)."""
    request = FinancingRequest.objects.select_related("enterprise").filter(pk=pk).first()
    if request is None:
        raise Http404
    if is_operator(actor) or request.enterprise_id in organization_ids(actor):
        return request, None
    institution_id = _request_readable_by_institution(actor, request)
    if institution_id is None:
        raise Http404
    return request, institution_id


def document_list(*, request: FinancingRequest) -> QuerySet[RequestDocument]:
    return RequestDocument.objects.filter(request=request)


def pool_list(*, actor: Actor) -> QuerySet[RiskPool]:
    """Pools are public: lenders need their terms."""
    return RiskPool.objects.select_related("region")


def access_pool(*, actor: Actor, pk: int) -> RiskPool:
    try:
        return pool_list(actor=actor).get(pk=pk)
    except RiskPool.DoesNotExist:
        raise Http404 from None


def enrolment_visible_qs(actor: Actor) -> QuerySet[PoolEnrolment]:
    qs = PoolEnrolment.objects.select_related("pool", "application", "guarantor")
    if is_operator(actor):
        return qs
    ids = organization_ids(actor)
    return qs.filter(Q(application__institution_id__in=ids) | Q(guarantor_id__in=ids))


def access_enrolment(*, actor: Actor, pk: int) -> PoolEnrolment:
    try:
        return enrolment_visible_qs(actor).get(pk=pk)
    except PoolEnrolment.DoesNotExist:
        raise Http404 from None
