from django.urls import URLPattern, URLResolver, path

from apps.events import apis

urlpatterns: list[URLPattern | URLResolver] = [
    path("events", apis.EventListCreateApi.as_view(), name="events"),
    path("events/figures", apis.EventFiguresApi.as_view(), name="event-figures"),
    path("events/<int:pk>", apis.EventDetailApi.as_view(), name="event"),
    path("events/<int:pk>/registrations", apis.EventRegistrationListCreateApi.as_view(), name="event-registrations"),
    path(
        "events/<int:pk>/registrations/<int:registration_id>/check-in",
        apis.EventCheckInApi.as_view(),
        name="event-check-in",
    ),
    path("events/<int:pk>/slots", apis.EventSlotListCreateApi.as_view(), name="event-slots"),
    path("events/<int:pk>/deals", apis.EventDealCreateApi.as_view(), name="event-deals"),
]
