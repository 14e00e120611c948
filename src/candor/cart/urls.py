from django.urls import path

from . import views

app_name = "cart"
urlpatterns = [
    path("", views.view_cart, name="view"),
    path("add/", views.add, name="add"),
    path("line/<int:line_id>/update/", views.update, name="update"),
    path("line/<int:line_id>/remove/", views.remove, name="remove"),
]
