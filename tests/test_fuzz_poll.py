"""Fuzzing the real poll path: feed documents (RSS, Atom, JSON Feed) and HTTP headers made by
hypothesis, served by the real test server, polled by a real run. Whatever comes back, no
exception leaves a source: each ends polled or with a reason, never with an unexpected error,
and the run goes on."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdesk.pipeline import RunOptions, run
from newsdesk.store import open_store
from tests.helpers import write_site
from tests.server import LocalServer

pytestmark = pytest.mark.slow  # left out of `make unit-fast`

# Pieces that break naive parsers, mixed into arbitrary text.
_NASTY = st.sampled_from(
    [
        "&#xD800;",
        "&#0;",
        "&#99999999999;",
        "&#x110000;",
        "&#133;",
        "&amp;",
        "&bogus;",
        "<b>",
        "</title>",
        "]]>",
        "<![CDATA[",
        "\x00",
        "\x1b",
        "\u2028",
        "\ufeff",
        "{{<",
        "9" * 30,
        "9" * 5000,
        "\u00b2",
        "http://127.0.0.1:99999/x",
        "http://[::1]/",
        "javascript:alert(1)",
        "http://user:pass@h\u00fcst.test/a",
    ]
)
_TEXT = st.lists(st.one_of(st.text(max_size=40), _NASTY), max_size=6).map("".join)
_RAW = st.booleans()  # write the text as is (possibly breaking the XML) or escaped


def _xml(text: str, raw: bool) -> str:
    return text if raw else escape(text)


@st.composite
def _rss(draw: st.DrawFn) -> tuple[bytes, str]:
    items = []
    for _ in range(draw(st.integers(0, 4))):
        raw = draw(_RAW)
        fields = {
            "title": draw(_TEXT),
            "link": draw(st.one_of(_TEXT, st.just("http://example.test/a"))),
            "guid": draw(_TEXT),
            "pubDate": draw(st.one_of(_TEXT, st.just("Fri, 20 Nov 99999 10:00:00 GMT"))),
            "description": draw(_TEXT),
        }
        items.append(
            "<item>" + "".join(f"<{k}>{_xml(v, raw)}</{k}>" for k, v in fields.items()) + "</item>"
        )
    ttl = draw(st.one_of(st.just(""), _TEXT, st.integers(-(10**30), 10**30).map(str)))
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{_xml(draw(_TEXT), draw(_RAW))}</title><ttl>{escape(ttl)}</ttl>"
        + "".join(items)
        + "</channel></rss>"
    )
    encoded = body.encode("utf-8", errors="surrogatepass")
    return encoded, "application/rss+xml"


@st.composite
def _atom(draw: st.DrawFn) -> tuple[bytes, str]:
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        raw = draw(_RAW)
        href = _xml(draw(st.one_of(_TEXT, st.just("https://example.test/b"))), raw)
        entries.append(
            f'<entry><title>{_xml(draw(_TEXT), raw)}</title><link href="{href}"/>'
            f"<id>{_xml(draw(_TEXT), raw)}</id><updated>{_xml(draw(_TEXT), raw)}</updated>"
            f'<content type="html">{_xml(draw(_TEXT), raw)}</content></entry>'
        )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(draw(_TEXT))}</title>" + "".join(entries) + "</feed>"
    )
    return body.encode("utf-8", errors="surrogatepass"), "application/atom+xml"


_JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _TEXT),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def _json_feed(draw: st.DrawFn) -> tuple[bytes, str]:
    keys = [
        "id",
        "url",
        "external_url",
        "title",
        "content_html",
        "content_text",
        "summary",
        "date_published",
        "date_modified",
        "author",
        "authors",
        "image",
    ]
    items = draw(
        st.lists(
            st.one_of(
                st.dictionaries(st.sampled_from(keys), _JSON_VALUE, max_size=8),
                _JSON_VALUE,
            ),
            max_size=4,
        )
    )
    doc: Any = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": draw(_JSON_VALUE),
        "items": items,
    }
    if draw(st.booleans()):
        doc = draw(_JSON_VALUE)  # not even a feed
    text = json.dumps(doc)
    if draw(st.booleans()):
        text = text.replace("1", "9" * draw(st.integers(1, 5000)), 1)  # numbers too long to read
    return text.encode(), "application/feed+json"


_HEADER_VALUE = st.one_of(
    _TEXT.map(lambda t: t.encode("latin-1", "ignore").decode("latin-1")),
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(
        ["max-age=" + "9" * 25, "no-cache", "s-maxage=\u00b2", "Fri, 31 Dec 9999 23:59:59 GMT"]
    ),
)


@st.composite
def _response(draw: st.DrawFn) -> tuple[int, dict[str, str], bytes]:
    body, kind = draw(
        st.one_of(
            _rss(), _atom(), _json_feed(), st.binary(max_size=200).map(lambda b: (b, "text/xml"))
        )
    )
    status = draw(st.sampled_from([200, 200, 200, 301, 304, 410, 429, 503]))
    headers = {"Content-Type": draw(st.one_of(st.just(kind), _HEADER_VALUE))}
    for name in ("Cache-Control", "ETag", "Last-Modified", "Retry-After", "Location"):
        if draw(st.booleans()):
            headers[name] = draw(_HEADER_VALUE)
    return status, headers, body


def _handler(answer: tuple[int, dict[str, str], bytes]) -> Callable[[BaseHTTPRequestHandler], None]:
    status, headers, body = answer

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in headers.items():
            clean = "".join(ch for ch in value if ch not in "\r\n")  # the server's own rule
            h.send_header(name, clean)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handle


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_response(), min_size=1, max_size=4))
def test_no_exception_escapes_a_source(answers: list[tuple[int, dict[str, str], bytes]]) -> None:
    server = LocalServer()
    try:
        sources = []
        for n, answer in enumerate(answers):
            sources.append({"name": f"s{n}", "url": server.handle(f"/f{n}", _handler(answer))})
        with tempfile.TemporaryDirectory() as tmp:
            site = write_site(
                Path(tmp) / "site",
                sources,
                fetch={"retries": 0, "timeout": 2, "max_retry_wait": 0.2},
            )
            report = run(site, options=RunOptions(fetch_articles=False, force=True))
            for source in report.sources.values():
                assert not (source.error or "").startswith("unexpected error"), source.error
                assert source.status is not None or source.error, source
            with open_store(site) as store:
                for row in store.items():
                    assert row.url.startswith(("http://", "https://")), row.url
    finally:
        server.close()
