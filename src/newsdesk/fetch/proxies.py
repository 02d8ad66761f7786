"""The environment's proxies (``HTTPS_PROXY``, ``NO_PROXY``...), mounted by hand because
httpx drops them when a transport is given, and which URLs go through one."""

from __future__ import annotations

import httpx
from httpx._utils import URLPattern, get_environment_proxies  # no public API for either


class EnvironmentProxies:
    """The proxies the environment names, read once."""

    def __init__(self) -> None:
        """Read the proxy settings from the environment."""
        self._proxies = get_environment_proxies()  # pattern -> proxy URL, or None: direct
        self._patterns = sorted(URLPattern(p) for p in self._proxies)  # httpx's order

    def mounts(self, limits: httpx.Limits) -> dict[str, httpx.AsyncBaseTransport | None]:
        """httpx ``mounts``: a proxy transport per pattern, or None where it goes direct."""
        return {
            pattern: httpx.AsyncHTTPTransport(proxy=proxy, limits=limits) if proxy else None
            for pattern, proxy in self._proxies.items()
        }

    def carries(self, url: httpx.URL) -> bool:
        """True when an environment proxy, not newsdesk, connects to ``url``."""
        for pattern in self._patterns:
            if pattern.matches(url):
                return self._proxies[pattern.pattern] is not None
        return False
