"""HTTP for events: roadshows and 对接会, registrations, meeting slots, attendance, attributed deals,
and the figures per event (docs/experts-and-events.md)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import request_user
from apps.core.fields import AwareDateTimeField, MarketDateField
from apps.core.pagination import StandardCursorPagination, paginated_response
from apps.deals.selectors import access_deal
from apps.events import examples, selectors, services
from apps.events.models import EventFormat, EventKind

TAGS = ["events"]


class EventInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EventKind.choices)
    format = serializers.ChoiceField(choices=EventFormat.choices)
    market_code = serializers.SlugField(max_length=24)
    venue = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    online_url = serializers.URLField(required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=100000)


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    format = serializers.ChoiceField(choices=EventFormat.choices)
    market_code = serializers.CharField(source="market_id")
    venue = serializers.CharField()
    online_url = serializers.CharField()
    description = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    registered = serializers.SerializerMethodField()

    def get_registered(self, obj: Any) -> int:
        return obj.registrations.count()


class EventRegistrationInputSerializer(serializers.Serializer):
    organization_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class EventRegistrationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization_id = serializers.IntegerField()
    organization_name = serializers.CharField(source="organization.name")
    user_name = serializers.CharField(source="user.name")
    checked_in_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class SlotInputSerializer(serializers.Serializer):
    counterpart_id = serializers.IntegerField(min_value=1, help_text="The other registrant's registration id.")
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    table = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class SlotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requester_id = serializers.IntegerField()
    requester_organization = serializers.CharField(source="requester.organization.name")
    counterpart_id = serializers.IntegerField()
    counterpart_organization = serializers.CharField(source="counterpart.organization.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    table = serializers.CharField()


class AttributionInputSerializer(serializers.Serializer):
    deal_id = serializers.IntegerField(min_value=1)


class AttributionOutputSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    deal_id = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class EventFiguresOutputSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    market_code = serializers.CharField()
    starts_at = serializers.DateTimeField()
    registrants = serializers.IntegerField()
    attendees = serializers.IntegerField()
    meetings = serializers.IntegerField()
    deals = serializers.IntegerField()
    contracts = serializers.IntegerField()
    contract_amount = serializers.DecimalField(max_digits=20, decimal_places=2)
    registered_amount = serializers.DecimalField(max_digits=20, decimal_places=2)


class EventFiguresQuerySerializer(serializers.Serializer):
    date_from = MarketDateField(required=False)
    date_to = MarketDateField(required=False)
    market = serializers.SlugField(max_length=24, required=False)


class EventListCreateApi(APIView):
    pagination_class = StandardCursorPagination

    @extend_schema(
        tags=TAGS,
        operation_id="events_list",
        parameters=[OpenApiParameter("market", str), OpenApiParameter("upcoming", bool)],
        responses={200: EventOutputSerializer(many=True)},
        summary="Events of the network (newest first).",
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        qs = selectors.event_list(market=params.get("market"), upcoming=params.get("upcoming") in ("true", "1"))
        return paginated_response(
            request=request, view=self, queryset=qs.prefetch_related("registrations"),
            serializer_class=EventOutputSerializer,
        )  # fmt: skip

    @extend_schema(
        tags=TAGS,
        operation_id="events_create",
        examples=examples.EVENTS_CREATE,
        request=EventInputSerializer,
        responses={201: EventOutputSerializer},
        summary="Announce a roadshow or 对接会 of a market (its operators).",
    )
    def post(self, request: Request) -> Response:
        serializer = EventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.event_create(actor=request_user(request), **serializer.validated_data)
        return Response(EventOutputSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetailApi(APIView):
    @extend_schema(tags=TAGS, operation_id="events_retrieve", responses={200: EventOutputSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(EventOutputSerializer(selectors.access_event(pk=pk)).data)


class EventRegistrationListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="events_registrations_list",
        responses={200: EventRegistrationOutputSerializer(many=True)},
        summary="Who registered (the organiser and the registrants).",
    )
    def get(self, request: Request, pk: int) -> Response:
        event = selectors.access_event(pk=pk)
        rows = selectors.registration_list(actor=request_user(request), event=event)[:1000]
        return Response(EventRegistrationOutputSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="events_registrations_create",
        examples=examples.EVENTS_REGISTRATIONS_CREATE,
        request=EventRegistrationInputSerializer,
        responses={201: EventRegistrationOutputSerializer},
        summary="Register for the event for one of your organisations (409 when full or over).",
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.access_event(pk=pk)
        serializer = EventRegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = services.event_register(
            actor=request_user(request), event=event, organization_id=serializer.validated_data.get("organization_id")
        )
        return Response(EventRegistrationOutputSerializer(registration).data, status=status.HTTP_201_CREATED)


class EventCheckInApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="events_registrations_check_in",
        examples=examples.EVENTS_REGISTRATIONS_CHECK_IN,
        request=None,
        responses={200: EventRegistrationOutputSerializer},
        summary="The organiser checks a registrant in (attendance).",
    )
    def post(self, request: Request, pk: int, registration_id: int) -> Response:
        actor = request_user(request)
        event = selectors.access_event(pk=pk)
        registration = selectors.access_event_registration(actor=actor, event=event, pk=registration_id)
        registration = services.event_check_in(actor=actor, registration=registration)
        return Response(EventRegistrationOutputSerializer(registration).data)


class EventSlotListCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="events_slots_list",
        responses={200: SlotOutputSerializer(many=True)},
        summary="Meeting slots: all for the organiser, your own for a registrant.",
    )
    def get(self, request: Request, pk: int) -> Response:
        event = selectors.access_event(pk=pk)
        rows = selectors.slot_list(actor=request_user(request), event=event)[:1000]
        return Response(SlotOutputSerializer(rows, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="events_slots_create",
        examples=examples.EVENTS_SLOTS_CREATE,
        request=SlotInputSerializer,
        responses={201: SlotOutputSerializer},
        summary="Book a one-to-one meeting with another registrant (409 if either is booked then).",
    )
    def post(self, request: Request, pk: int) -> Response:
        event = selectors.access_event(pk=pk)
        serializer = SlotInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        slot = services.slot_book(actor=request_user(request), event=event, **serializer.validated_data)
        return Response(SlotOutputSerializer(slot).data, status=status.HTTP_201_CREATED)


class EventDealCreateApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="events_deals_create",
        examples=examples.EVENTS_DEALS_CREATE,
        request=AttributionInputSerializer,
        responses={201: AttributionOutputSerializer},
        summary="Attribute a deal to this event, where it started (the organiser or a party of the deal).",
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = request_user(request)
        event = selectors.access_event(pk=pk)
        serializer = AttributionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = access_deal(actor=actor, pk=serializer.validated_data["deal_id"])
        attribution = services.deal_attribute(actor=actor, event=event, deal=deal)
        return Response(AttributionOutputSerializer(attribution).data, status=status.HTTP_201_CREATED)


class EventFiguresApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="events_figures",
        parameters=[
            OpenApiParameter("date_from", str), OpenApiParameter("date_to", str), OpenApiParameter("market", str)
        ],
        responses={200: EventFiguresOutputSerializer(many=True)},
        summary="Per event of your markets: registrants, attendees, meetings, deals and contract amounts.",
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        query = EventFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.event_figures(actor=request_user(request), **query.validated_data)
        return Response(EventFiguresOutputSerializer(rows, many=True).data)
