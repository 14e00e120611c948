"""Testimonial pages (P19): the public lists, and the customer's own (write, see, withdraw).

The public lists are served from the page cache to visitors without a session; every change
to what they show invalidates it (services).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from candor.catalog.models import Product
from candor.core.pagecache import cache_for_visitors_without_session
from candor.privacy.card_numbers import MASKED_NOTICE

from . import queries, services
from .forms import TestimonialForm

PER_PAGE = 20


def _page(request, testimonials):
    return Paginator(testimonials, PER_PAGE).get_page(request.GET.get("page"))


@cache_for_visitors_without_session
def published(request):
    page = _page(request, queries.published())
    return render(
        request, "testimonials/list.html", {"page": page, "product": None, "with_product": True}
    )


@cache_for_visitors_without_session
def for_product(request, slug):
    product = get_object_or_404(
        Product.objects.only("id", "name", "slug"), slug=slug, is_active=True
    )
    page = _page(request, queries.published().filter(consent__product=product))
    return render(request, "testimonials/list.html", {"page": page, "product": product})


@login_required
def write(request):
    user = request.user
    products = queries.products_bought_by(user)
    if request.method != "POST":
        chosen = next((p.pk for p in products if p.slug == request.GET.get("product")), None)
        form = TestimonialForm(user=user, products=products, initial={"product": chosen})
        return render(request, "testimonials/write.html", {"form": form, "products": products})
    form = TestimonialForm(request.POST, user=user, products=products)
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = services.submit_testimonial(
                user=user,
                product_id=data["product"],
                text=data["text"],
                rating=data["rating"],
                name_form=data["name_form"],
                affiliation=data["affiliation"],
                consent_given=data["consent"],
                consent_version=data["consent_version"],
            )
        except services.TestimonialError as refused:
            form.add_error(None, str(refused))
        else:
            if done.masked:
                messages.warning(request, MASKED_NOTICE)
            if done.created:
                messages.success(
                    request, "Thank you. Your testimonial will appear once we have reviewed it."
                )
            else:
                messages.info(
                    request,
                    "You already have a testimonial for this product; withdraw it to write a "
                    "new one.",
                )
            return redirect("testimonials:mine")
    return render(
        request, "testimonials/write.html", {"form": form, "products": products}, status=400
    )


@login_required
def mine(request):
    consents = queries.consents_of(request.user)
    live = {c.product_id for c in consents if c.ended_at is None}
    products = [p for p in queries.products_bought_by(request.user) if p.pk not in live]
    return render(request, "testimonials/mine.html", {"consents": consents, "can_write": products})


@require_POST
@login_required
def withdraw(request, pk):
    try:
        services.withdraw(user=request.user, consent_id=pk)
    except services.TestimonialNotFound as missing:
        raise Http404(str(missing)) from None
    messages.success(
        request, "Your consent is withdrawn: the testimonial is off the site and its text deleted."
    )
    return redirect("testimonials:mine")
