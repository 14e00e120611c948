"""Talking with customers: support threads and site feedback, surveys, testimonials.

Three small Django apps in one package, so each keeps its own models and migrations. They sit
above orders (a thread may name an order; only buyers may praise a product) and beside checkout,
campaigns and insights, none of which they import.
"""
