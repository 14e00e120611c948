from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from candor.core.pagecache import cache_for_visitors_without_session

from . import queries
from .forms import ListingForm
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
            "selected": next((v.pk for v in variants if v.in_stock), None),
        },
    )
