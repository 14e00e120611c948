import stripe
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .adapters import StripeCheckout
from .services import handle_stripe_event


@csrf_exempt  # the gateway cannot send a CSRF token; the signature authenticates it instead
@require_POST
def stripe_webhook(request):
    signature = request.headers.get("Stripe-Signature", "")
    if not signature:
        return HttpResponseBadRequest("Missing Stripe-Signature header.")
    try:
        event = StripeCheckout().parse_event(request.body, signature)
    except stripe.SignatureVerificationError:
        return HttpResponseBadRequest("Invalid signature.")
    except ValueError as malformed:  # says what is wrong, for the gateway's delivery log
        return HttpResponseBadRequest(str(malformed))
    outcome = handle_stripe_event(event)
    return HttpResponse(outcome, content_type="text/plain")
