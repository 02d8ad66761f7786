"""Tags from the text: ticker symbols and a configured keyword map."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from newsdesk.words import whole_word_pattern

# NYSE:TM, NASDAQ:AAPL, (TSX:RY), LON:BARC, ETR:SAP, TYO:7203, HKG:0700, NYSEARCA:SPY ...
_EXCHANGES = (
    "NYSE|NASDAQ|NYSEARCA|NYSEAMERICAN|AMEX|OTC|OTCMKTS|TSX|TSXV|CSE|LSE|LON|AIM|ETR|FRA|XETRA"
    "|EPA|AMS|EBR|BIT|BME|SIX|SWX|STO|HEL|CPH|OSL|ASX|NZX|TYO|TSE|HKG|HKEX|SHA|SHE|SGX|KRX"
    "|KOSDAQ|NSE|BSE|JSE|BVMF|BMV|TASE"
)
_TICKER = re.compile(rf"\b({_EXCHANGES})\s*:\s*([A-Z0-9][A-Z0-9.\-]{{0,9}})\b")
_ALIASES = {"LSE": "LON", "XETRA": "ETR", "TSE": "TYO", "HKEX": "HKG", "SWX": "SIX"}


def tickers(text: str) -> list[str]:
    """Ticker symbols in ``text``, normalised to ``EXCHANGE:SYMBOL``, in order of appearance."""
    found: list[str] = []
    for exchange, symbol in _TICKER.findall(text):
        tag = f"{_ALIASES.get(exchange, exchange)}:{symbol.rstrip('.-')}"
        if tag not in found:
            found.append(tag)
    return found


def keyword_tags(text: str, keywords: Mapping[str, str]) -> list[str]:
    """Tags whose keyword or phrase occurs in ``text`` (case-insensitive, whole words)."""
    return [tag for keyword, tag in keywords.items() if whole_word_pattern(keyword).search(text)]


def normalize_terms(terms: Iterable[str], limit: int = 20) -> tuple[str, ...]:
    """Trim, collapse whitespace, drop empties and case-insensitive repeats, cap the count."""
    out: list[str] = []
    seen: set[str] = set()
    for term in terms:
        clean = " ".join(term.split())
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return tuple(out[:limit])
