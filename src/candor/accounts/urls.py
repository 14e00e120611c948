from django.urls import path

from . import privacy_centre, views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("addresses/", views.addresses, name="addresses"),
    path("addresses/add/", views.add_address, name="address-add"),
    path("addresses/<int:pk>/edit/", views.edit_address, name="address-edit"),
    path("addresses/<int:pk>/delete/", views.delete_address, name="address-delete"),
    path(
        "addresses/<int:pk>/default-delivery/",
        views.make_default,
        {"kind": "shipping"},
        name="address-default-shipping",
    ),
    path(
        "addresses/<int:pk>/default-billing/",
        views.make_default,
        {"kind": "billing"},
        name="address-default-billing",
    ),
    path("disable/", views.disable, name="disable"),
    path("privacy/", privacy_centre.privacy, name="privacy"),
    path("privacy/download/", privacy_centre.download, name="privacy_download"),
    path("privacy/restrict/", privacy_centre.restrict, name="privacy_restrict"),
    path("privacy/delete/", privacy_centre.delete, name="privacy_delete"),
    path("privacy/requests/<int:pk>/", privacy_centre.request_detail, name="privacy_request"),
]
