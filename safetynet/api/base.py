"""Base views for JSON-only endpoints: their bodies are JSON, so the schema offers no form or
multipart body (a malformed multipart body would otherwise be answered 415, undocumented)."""

from __future__ import annotations

from rest_framework import generics
from rest_framework.parsers import JSONParser


class JsonAPIView(generics.GenericAPIView):
    parser_classes = [JSONParser]


class JsonListAPIView(generics.ListAPIView):
    parser_classes = [JSONParser]
