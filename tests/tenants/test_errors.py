from django.http import HttpResponse
from django.test import RequestFactory

from config.errors import InvalidTransition, NotFound
from config.middleware import HallErrorMiddleware


def test_a_domain_error_escaping_a_view_is_a_page_with_its_status_and_message(db):
    middleware = HallErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    response = middleware.process_exception(request, NotFound("找不到该信访件。"))
    assert response.status_code == 404 and "找不到该信访件。" in response.content.decode()
    response = middleware.process_exception(request, InvalidTransition("不能执行此操作。"))
    assert response.status_code == 409
    assert middleware.process_exception(request, ValueError("other")) is None
