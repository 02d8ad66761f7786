"""Canonical URLs and the stable ids derived from them."""

from __future__ import annotations

import contextlib
import hashlib
import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import idna

# Query parameters that only track the reader; everything else may select content and stays.
_TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_gl"
    r"|ncid|cmpid|ocid|sr_share|spm|at_medium|at_campaign|at_custom\d*|__twitter_impression"
    r"|_hsenc|_hsmi|mkt_tok|vero_id|oly_enc_id|oly_anon_id|\.tsrc|tsrc|ref_src|ref_url"
    r"|smid|soc_src|soc_trk|s_cid|wt_mc|wt\.mc_id|xtor|taid)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_http_url(url: str) -> bool:
    """True for absolute http(s) URLs with a host and, if any, a valid port."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _host(hostname: str) -> str:
    """A host name in one spelling: lower case, no trailing dot, IDNA (punycode) for
    international names, brackets around an IPv6 address."""
    host = hostname.lower().rstrip(".")
    if ":" in host:
        return f"[{host}]"
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            with contextlib.suppress(UnicodeError):
                host = host.encode("idna").decode("ascii")  # IDNA 2003 is more lenient
    return host


def without_userinfo(url: str) -> str:
    """``url`` without ``user:password@``: credentials from a feed are never sent or kept."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL an article is known by: no fragment, no tracking parameters, no credentials,
    one spelling of the host (lower case, punycode, IPv6 in brackets).

    Relative URLs are resolved against ``base``. Default ports are dropped, the path is
    percent-encoded consistently, and the remaining query parameters keep their order.
    Raises ValueError for a port out of range.
    """
    url = url.strip()
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _host(parts.hostname or "")
    port = parts.port
    netloc = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def item_id(canonical: str) -> str:
    """A stable 16-hex-digit id for a canonical URL (the post's file name)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
