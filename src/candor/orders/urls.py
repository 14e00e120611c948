from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("view/<str:token>/", views.lookup, name="lookup"),
]
