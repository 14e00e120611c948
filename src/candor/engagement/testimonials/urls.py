from django.urls import path

from . import views

app_name = "testimonials"
urlpatterns = [
    path("", views.published, name="list"),
    path("product/<slug:slug>/", views.for_product, name="product"),
    path("write/", views.write, name="write"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
