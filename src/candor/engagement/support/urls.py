from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.contact, name="contact"),
    path("sent/", views.sent, name="sent"),
    path("feedback/", views.feedback, name="feedback"),
    path("mine/", views.my_threads, name="mine"),
    path("mine/<str:number>/", views.my_thread, name="mine_thread"),
    path("mine/<str:number>/reply/", views.my_reply, name="mine_reply"),
    path("mine/<str:number>/files/<int:pk>/", views.my_file, name="mine_file"),
    path("t/<str:token>/", views.link_thread, name="link"),
    path("t/<str:token>/reply/", views.link_reply, name="link_reply"),
    path("t/<str:token>/files/<int:pk>/", views.link_file, name="link_file"),
]
