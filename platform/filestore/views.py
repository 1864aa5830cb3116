from django.http import Http404


def download(request, token: str):
    raise Http404
