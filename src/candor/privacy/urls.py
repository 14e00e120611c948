from django.urls import path

from .rights import views as rights
from .views import cookies, policy

app_name = "privacy"
urlpatterns = [
    path("", policy.policy_page, name="policy"),
    path("policy.json", policy.policy_json, name="policy_json"),
    path("history/", policy.history, name="history"),
    path("history/compare/", policy.compare, name="compare"),
    path("history/<int:old>/<int:new>/", policy.diff, name="diff"),
    path("cookies/", cookies.cookie_page, name="cookies"),
    path("cookies/choice/", cookies.cookie_choice, name="cookie_choice"),
    path("requests/new/", rights.new_request, name="rights_new"),
    path("requests/r/<str:token>/", rights.request_page, name="rights_request"),
    path("requests/download/<str:token>/", rights.download, name="rights_export"),
]
