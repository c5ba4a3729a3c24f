"""The project's URL routes, for the tests that walk every page and endpoint so that none
escapes the cross-provider check (each app's ``test_scoping``)."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns=None, prefix: str = ""):
    """Every ``(route, URLPattern)`` below ``patterns`` (the whole project by default), the
    route as its patterns' text joined."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def parameters(pattern: URLPattern) -> set[str]:
    """The names a route takes: path converters and regex groups."""
    return set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)


def routes(prefixes: tuple[str, ...]) -> list[tuple[str, set[str]]]:
    """``(route, parameters)`` of every route starting with one of ``prefixes``, without
    regex anchors."""
    found = []
    for route, pattern in walk():
        route = route.replace("^", "").replace("$", "")
        if route.startswith(prefixes):
            found.append((route, parameters(pattern)))
    return found


def url(route: str, values: dict) -> str:
    """The path of ``route`` with its parameters given ``values`` (a regex route's format
    suffix dropped)."""
    path = route
    for name, value in values.items():
        path = re.sub(rf"\(\?P<{name}>[^)]*\)", str(value), path)
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    path = path.replace("\\.", ".").replace("\\/", "/")
    path = re.sub(r"\(\?P<format>[^)]*\)\??", "", path)
    return "/" + path
