from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/", views.preferences_request, name="preferences_request"),
    path("preferences/mine/", views.my_preferences, name="my_preferences"),
    path("preferences/<str:token>/", views.preferences, name="preferences"),
]
