"""Small htmx helpers shared by the pages (django-htmx's middleware sets `request.htmx`).

    render_partial_or_page(request, "engagements/engagement_list.html", "engagements/_engagement_rows.html", ctx)

answers an htmx request with the fragment only and a plain request with the whole page, so every
htmx-enhanced link or form still works without JavaScript.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling


def is_htmx(request: HttpRequest) -> bool:
    """True for a request htmx made (not a boosted one: that wants a whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def htmx_redirect(request: HttpRequest, to, *args, **kwargs) -> HttpResponse:
    """Redirect after a write: a client-side redirect for htmx (a 302 would be swapped in place),
    a normal 302 otherwise. `to` is anything `redirect()` accepts (a model, a URL name, a URL)."""
    target = redirect(to, *args, **kwargs)
    if is_htmx(request):
        return HttpResponseClientRedirect(target["Location"])
    return target


def render_partial_or_page(
    request: HttpRequest,
    page_template: str,
    partial_template: str,
    context: dict,
    *,
    status: int = 200,
) -> HttpResponse:
    """The fragment for an htmx request, the whole page otherwise (same context for both)."""
    template = partial_template if is_htmx(request) else page_template
    response = render(request, template, context, status=status)
    # Caches must not serve the fragment to a full-page request of the same URL, or the reverse.
    response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "HX-Request"]))
    return response


def stop_polling(response: HttpResponse | None = None) -> HttpResponse:
    """Answer a polling request with htmx's "stop polling" status (286), keeping the body if given."""
    stopped = HttpResponseStopPolling()
    if response is not None:
        stopped.content = response.content
        stopped["Content-Type"] = response.get("Content-Type", "text/html; charset=utf-8")
    return stopped
