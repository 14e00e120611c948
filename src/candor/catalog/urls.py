from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("c/<slug:slug>/follow/", views.follow_category, name="follow_category"),
    path("p/<slug:slug>/", views.product, name="product"),
    path("p/<slug:slug>/notify/", views.notify_when_back, name="notify_when_back"),
]
