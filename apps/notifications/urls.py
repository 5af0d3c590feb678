from django.urls import path

from apps.notifications import apis

urlpatterns = [
    path("notifications", apis.NotificationListApi.as_view(), name="notifications"),
    path("notifications/read-all", apis.NotificationReadAllApi.as_view(), name="notifications-read-all"),
    path("notifications/unread-count", apis.NotificationUnreadCountApi.as_view(), name="notifications-unread-count"),
    path("notifications/<int:notification_id>", apis.NotificationDetailApi.as_view(), name="notification-detail"),
    path("notifications/<int:notification_id>/read", apis.NotificationReadApi.as_view(), name="notification-read"),
]
