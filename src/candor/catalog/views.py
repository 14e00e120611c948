from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from candor.core.pagecache import cache_for_visitors_without_session
from candor.messaging import mail_limits, subscriptions

from . import notices, queries
from .forms import EmailOnlyForm, ListingForm, NotifyForm
from .models import Category, Product


@cache_for_visitors_without_session
def home(request):
    return render(
        request,
        "catalog/home.html",
        {
            "featured": queries.featured_products(),
            "new_arrivals": queries.new_arrivals(),
            "categories": queries.categories(),
        },
    )


def _listing_page(request, *, category, template, extra):
    searching = category is None
    form = ListingForm(request.GET, brands=queries.brands_in(category), allow_relevance=searching)
    listing = form.to_filter(default_sort="relevance" if searching else "newest")
    products = queries.product_listing(category, listing)
    if searching and not listing.query:
        products = products.none()
    page = Paginator(products, settings.CATALOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "listing": listing,
            "category": category,
            "querystring": query_without_page.urlencode(),
            **extra,
        },
    )


@cache_for_visitors_without_session
def category(request, slug):
    found = get_object_or_404(Category, slug=slug)
    return _listing_page(request, category=found, template="catalog/category.html", extra={})


@cache_for_visitors_without_session
def search(request):
    return _listing_page(request, category=None, template="catalog/search.html", extra={})


@cache_for_visitors_without_session
def product(request, slug):
    try:
        detail = queries.product_detail(slug)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    variants = detail.variants
    return render(
        request,
        "catalog/product.html",
        {
            "product": detail.product,
            "variants": variants,
            "any_in_stock": any(v.in_stock for v in variants),
            "sold_out": [v for v in variants if not v.in_stock],
            "selected": next((v.pk for v in variants if v.in_stock), None),
            "bought_together": detail.bought_together,
            "popular": detail.popular,
        },
    )


@require_POST
def notify_when_back(request, slug):
    """Ask to be told once when a sold-out option returns (P7: confirmed by email first)."""
    product = get_object_or_404(Product, slug=slug, is_active=True)
    form = NotifyForm(request.POST)
    variant = None
    if form.is_valid():
        variant = product.variants.filter(pk=form.cleaned_data["variant"], is_active=True).first()
        if variant is None:
            form.add_error(None, "Choose one of this product's options.")
        elif variant.stock > 0:
            form.add_error(None, "That option is in stock now: you can buy it straight away.")
    if not form.is_valid():
        return render(
            request,
            "catalog/subscribe_result.html",
            {"form": form, "product": product},
            status=400,
        )
    refusal = mail_limits.check(request, form.cleaned_data["email"])
    if refusal is not None:
        return mail_limits.refused_page(request, refusal, back=product.get_absolute_url())
    subscriptions.request_subscription(
        email=form.cleaned_data["email"],
        topics=[notices.back_in_stock_topic(variant)],
        source="product page",
    )
    return render(request, "catalog/subscribe_result.html", {"done": True, "product": product})


@require_http_methods(["GET", "POST"])
def follow_category(request, slug):
    """Ask to hear about new products in a category (P7: confirmed by email first)."""
    found = get_object_or_404(Category, slug=slug)
    form = EmailOnlyForm(request.POST or None)
    if request.method == "GET":
        return render(request, "catalog/follow_category.html", {"form": form, "category": found})
    if not form.is_valid():
        return render(
            request, "catalog/follow_category.html", {"form": form, "category": found}, status=400
        )
    refusal = mail_limits.check(request, form.cleaned_data["email"])
    if refusal is not None:
        return mail_limits.refused_page(request, refusal, back=request.path)
    subscriptions.request_subscription(
        email=form.cleaned_data["email"],
        topics=[notices.category_topic(found)],
        source="category page",
    )
    return render(request, "catalog/subscribe_result.html", {"done": True, "category": found})
