"""The request parsers of the whole API. On top of DRF's, they refuse input no view can store:
JSON nested deeper than MAX_DEPTH (Python's parser would raise RecursionError: a 500), and NUL
characters in any string, key or form field (PostgreSQL rejects them in text: a 500)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32  # our bodies are flat objects; anything deeper is junk


def reject_nul(text: str) -> None:
    if "\x00" in text:
        raise ParseError(_("Text may not contain NUL characters."), code="nul_character")


def check_tree(data) -> None:
    """Walk parsed JSON (iteratively: it may be deep) checking depth and strings."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            reject_nul(value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                reject_nul(key)
                stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in value)


def check_form(data) -> None:
    for key, values in data.lists():
        reject_nul(key)
        for value in values:
            if isinstance(value, str):
                reject_nul(value)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply."), code="too_deep") from None
        check_tree(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_form(result.data)
        return result
