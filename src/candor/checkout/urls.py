from django.urls import path

from . import views

app_name = "checkout"
urlpatterns = [
    path("", views.details, name="details"),
    path("review/", views.review, name="review"),
    path("thanks/<str:token>/", views.thanks, name="thanks"),
    path("thanks/<str:token>/pay/", views.retry_card, name="retry-card"),
    path("order/<str:token>/pay/", views.pay_order, name="pay-order"),
]
