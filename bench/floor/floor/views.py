from django.http import HttpRequest, HttpResponse

from .models import Item


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def one_query(request: HttpRequest) -> HttpResponse:
    item = Item.objects.filter(key=request.GET.get("key", "item-1")).first()
    return HttpResponse(item.label if item else "none")
