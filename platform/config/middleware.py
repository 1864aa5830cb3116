"""Render the hall's domain errors on HTML pages with their status and translated message."""

from django.shortcuts import render

from config.errors import HallError


class HallErrorMiddleware:
    """A HallError that escapes a view becomes a page saying what went wrong (404, 403, 409 ...),
    never a 500. Views that can keep the user's input catch the error themselves and re-render."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, HallError):
            return None
        return render(request, "hall_error.html", {"error": exception}, status=exception.status)
