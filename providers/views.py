from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .selectors import candidates_visible_to, provider_directory_for, providers_visible_to


@login_required
def provider_list(request):
    return render(
        request, "providers/provider_list.html", {"providers": provider_directory_for(request.user)}
    )


@login_required
def provider_detail(request, pk: int):
    provider = get_object_or_404(providers_visible_to(request.user), pk=pk)
    context = {
        "provider": provider,
        "sites": provider.sites.all(),
        "certifications": provider.certifications.all(),
        "service_lines": provider.service_lines.all(),
        "rate_cards": provider.rate_cards.prefetch_related("entries"),
    }
    return render(request, "providers/provider_detail.html", context)


@login_required
def candidate_list(request):
    candidates = (
        candidates_visible_to(request.user)
        .select_related("provider", "recruiter")
        .order_by("stage", "full_name")
    )
    return render(request, "providers/candidate_list.html", {"candidates": candidates})


@login_required
def candidate_detail(request, pk: int):
    candidate = get_object_or_404(
        candidates_visible_to(request.user).select_related("provider", "recruiter"), pk=pk
    )
    return render(request, "providers/candidate_detail.html", {"candidate": candidate})
