from django.urls import path

from .views import policy

app_name = "privacy"
urlpatterns = [
    path("", policy.policy_page, name="policy"),
    path("policy.json", policy.policy_json, name="policy_json"),
    path("history/", policy.history, name="history"),
    path("history/<int:old>/<int:new>/", policy.diff, name="diff"),
]
