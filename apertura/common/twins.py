"""Machine-readable twins of public pages: the same URL with ?format=json (or csv for lists)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import translation

from .tabular import csv_response, csv_streaming_response

FORMATS = {"json", "csv"}


def requested_format(request) -> str:
    fmt = request.GET.get("format", "html").lower()
    return fmt if fmt in FORMATS else "html"


def json_twin(data, *, filename: str | None = None) -> HttpResponse:
    response = JsonResponse(data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False}, safe=False)
    response["Access-Control-Allow-Origin"] = "*"
    if filename:
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def csv_twin(filename: str, header, rows) -> HttpResponse:
    response = csv_response(filename, header, rows)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def csv_stream_twin(filename: str, header, rows) -> StreamingHttpResponse:
    """csv_twin for lists that grow with the data; rows (a lazy iterable) are read while the response is sent,
    in the language of the request."""
    language = translation.get_language()

    def in_language():
        with translation.override(language):
            yield from rows

    response = csv_streaming_response(filename, header, in_language())
    response["Access-Control-Allow-Origin"] = "*"
    return response


def dumps(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
