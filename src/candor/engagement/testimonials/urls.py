app_name = "testimonials"
urlpatterns: list = []
