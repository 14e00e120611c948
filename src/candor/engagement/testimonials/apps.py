from django.apps import AppConfig


class TestimonialsConfig(AppConfig):
    name = "candor.engagement.testimonials"
    label = "testimonials"
    verbose_name = "Testimonials"
