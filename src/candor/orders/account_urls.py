"""The signed-in customer's orders, under /account/orders/ (namespace `account_orders`)."""

from django.urls import path

from . import views

app_name = "account_orders"
urlpatterns = [
    path("", views.account_orders, name="list"),
    path("attach/", views.attach_orders, name="attach"),
    path("<str:number>/", views.account_order, name="detail"),
]
