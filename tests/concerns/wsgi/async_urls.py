"""A URLconf with one sync view, one async function view and one async class-based view."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


async def async_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async")


class AsyncView(View):
    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("async class")


urlpatterns = [path("", ok), path("a/", async_view), path("b/", AsyncView.as_view())]
