from django.http import HttpResponse


def healthz(request):
    """Liveness probe for load balancers: no database, no templates, no session."""
    return HttpResponse("ok", content_type="text/plain")
