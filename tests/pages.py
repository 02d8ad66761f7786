"""Article pages and feeds in investing.com's layouts, built around any text.

The markup follows ../shared/corpus/MANIFEST.md section 5 (current Next.js layout and the legacy
layout) with the furniture real pages carry: navigation, ad slots inside the body, a risk
disclaimer, related articles, comments, JSON-LD and a footer.
"""

from __future__ import annotations

import json
from html import escape
from typing import Protocol

DISCLAIMER = (
    "Risk Disclosure: Trading in financial instruments and/or cryptocurrencies involves high "
    "risks including the risk of losing some, or all, of your investment amount, and may not be "
    "suitable for all investors. Fusion Media would like to remind you that the data contained "
    "in this website is not necessarily real-time nor accurate."
)

# Paragraph starts in the reference article; "#" marks a subheading.
REFERENCE_PARAGRAPHS = [
    "By Trevor Hunnicutt",
    "WASHINGTON (Reuters)",
    "Trump announced progress",
    "Trump said Nippon",
    "The companies did not comment",
    "The U.S.-Japan talks",
    "Trump pressed for Tokyo",
    "Japan had the largest",
    "In a press conference",
    "#TENSIONS",
    "The Republican U.S. president",
    "That approach was on display",
    "It included familiar",
    "Trump and Ishiba exchanged",
    '"On television',
    "As the two sat together",
    '"Should be pretty easy',
    "Ishiba highlighted",
    "Asked about the possibility",
    "Trump said that after",
    "#CHINA TRADE",
    "Trump's early fight",
    "Trump put a 10% tariff",
    "Trump spoke to Chinese",
    "Japan is especially",
    "Trump was close with",
    "Analysts said the early",
    '"Japanese Prime Minister',
    "But Russel said",
]


def split_reference(body: str) -> list[tuple[str, str]]:
    """The reference body (one line) as (kind, text) blocks: "p" paragraphs, "h" headings."""
    starts = []
    for marker in REFERENCE_PARAGRAPHS:
        needle = marker.lstrip("#")
        at = body.index(needle + (" " if marker.startswith("#") else ""))
        starts.append((at, "h" if marker.startswith("#") else "p", len(needle)))
    blocks = []
    for i, (at, kind, size) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        if kind == "h":
            blocks.append(("h", body[at : at + size]))
            rest = body[at + size : end].strip()
            if rest:
                blocks.append(("p", rest))
        else:
            blocks.append(("p", body[at:end].strip()))
    return blocks


def _body_html(blocks: list[tuple[str, str]], *, ads: bool = True, heading_tag: str = "h2") -> str:
    parts = []
    for n, (kind, text) in enumerate(blocks):
        if kind == "h":
            parts.append(f"<{heading_tag}>{escape(text)}</{heading_tag}>")
        else:
            parts.append(f"<p>{escape(text)}</p>")
        if ads and n % 4 == 2:
            parts.append(
                '<div data-test="ad-slot-visible" class="ad_ad__II8vw"><div class="ad_adContainer">'
                "Advertisement</div><div>3rd party Ad. Not an offer or recommendation by "
                "Investing.com. See disclosure here or remove ads.</div></div>"
            )
    return "\n".join(parts)


def _json_ld(title: str, url: str, published: str, author: str) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "url": url,
        "datePublished": published,
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "Organization", "name": "Investing.com"},
        "image": {"@type": "ImageObject", "url": "https://i-invdn-com.investing.com/news/x.jpg"},
    }
    return json.dumps(data)


def investing_current_page(
    title: str,
    blocks: list[tuple[str, str]],
    *,
    url: str = "",
    published: str = "2025-02-08T09:17:19Z",
    author: str = "Reuters",
    repeat_headline: bool = False,
) -> str:
    """A page in investing.com's current (Next.js) layout."""
    head = f"<h1>{escape(title)}</h1>\n" if repeat_headline else ""
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr"><head><meta charset="utf-8">
<title>{escape(title)} By Reuters</title>
<meta property="og:title" content="{escape(title)} By Reuters">
<meta property="og:site_name" content="Investing.com">
<meta property="og:image" content="https://i-invdn-com.investing.com/news/x.jpg">
<meta name="description" content="Market news from Investing.com">
<script type="application/ld+json">{_json_ld(title, url, published, author)}</script>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"event": "pageview"}});</script>
</head><body>
<div id="__next"><header class="header_header__X"><nav><ul>
<li><a href="/markets/">Markets</a></li><li><a href="/news/">News</a></li>
<li><a href="/analysis/">Analysis</a></li><li><a href="/charts/">Charts</a></li></ul></nav>
<div class="cookie-banner">We use cookies to give you the best experience. Accept all cookies</div>
</header>
<div class="flex flex-col"><nav class="breadcrumbs"><a href="/">Home</a> / <a href="/news/">News</a>
/ <a href="/news/economic-indicators">Economic Indicators</a></nav>
<h1 id="articleTitle" data-test="article-title" class="text-2xl font-bold">{escape(title)}</h1>
<div class="flex flex-col gap-2 text-warren-gray-700 text-xs"><div><span>Published 02/08/2025, 04:17 AM</span></div>
<div class="flex"><a data-test="article-provider-link" href="/members/contributors/1">Reuters</a></div></div>
<div class="relative"><img class="h-full w-full object-contain" src="https://i-invdn-com.investing.com/news/x.jpg" alt="Trump"></div>
<div class="flex gap-2"><button>Save</button><button>Share</button><span>Comments (12)</span></div>
<div id="article" class="article_container">
<div class="article_WYSIWYG__O0uhw article_articlePage__UMz3q text-base">
{head}{_body_html(blocks)}
</div></div>
<div class="mt-6 text-xs disclaimer_disclaimer__x"><p>{DISCLAIMER}</p></div>
<div class="related_related__y"><h2>Related Articles</h2><ul>
<li><a data-test="article-title-link" href="/news/a-1">Stocks slip as tariff worries mount</a></li>
<li><a data-test="article-title-link" href="/news/b-2">Yen steadies ahead of summit</a></li></ul></div>
<section class="comments_comments__z"><h2>Comments</h2>
<div class="comment"><p>Great article, thanks!</p></div><div class="comment"><p>Sell everything now.</p></div></section>
</div>
<footer><p>Fusion Media would like to remind you that the data contained in this website is not necessarily real-time nor accurate.</p>
<p>© 2007-2025 - Fusion Media Limited. All Rights Reserved.</p></footer></div>
<script id="__NEXT_DATA__" type="application/json">{{"props":{{"pageProps":{{"title":{json.dumps(title)}}}}}}}</script>
</body></html>"""


def investing_legacy_page(title: str, blocks: list[tuple[str, str]]) -> str:
    """A page in investing.com's legacy (before about 2023) layout."""
    body = _body_html(blocks, ads=False, heading_tag="h3")
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><div id="navMenu"><ul><li><a href="/markets">Markets</a></li><li><a href="/news">News</a></li></ul></div>
<section id="leftColumn"><h1 class="articleHeader">{escape(title)}</h1>
<div class="contentSectionDetails"><span>Published Feb 08, 2025 04:17AM ET</span></div>
<div class="WYSIWYG articlePage">
<div class="imgCarousel"><img src="/x.jpg"><span>© Reuters. FILE PHOTO</span></div>
{body}
<div id="ad1" class="ad">Advertisement</div>
<p>© Reuters.</p>
</div></section>
<div id="comments"><div class="comment">First!</div></div>
<div id="footer">Fusion Media would like to remind you that the data contained in this website is not necessarily real-time nor accurate.</div>
</body></html>"""


def investing_feed(
    items: list[dict[str, str]], channel_title: str = "Economic Indicators News"
) -> str:
    """An RSS 2.0 feed in investing.com's style: no guid, no description, zone-less pubDate."""
    entries = "\n".join(
        f"""<item>
<enclosure url="https://i-invdn-com.investing.com/news/x.jpg" length="50" type="image/jpeg" />
<title>{escape(item["title"])}</title>
<pubDate>{item["date"]}</pubDate>
<author>{escape(item.get("author", "Reuters"))}</author>
<link>{escape(item["link"])}</link>
</item>"""
        for item in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>{escape(channel_title)}</title>
<link>https://www.investing.com</link>
<description>Economic Indicators News</description>
<language>en</language>
<copyright>Copyright 2007-2025 Fusion Media Limited. All Rights Reserved.</copyright>
{entries}
</channel>
</rss>"""


_VOCABULARY = [
    "markets",
    "rally",
    "slump",
    "tariff",
    "yield",
    "bond",
    "equity",
    "merger",
    "earnings",
    "outlook",
    "inflation",
    "currency",
    "commodity",
    "guidance",
    "buyback",
    "dividend",
    "forecast",
    "shipping",
    "copper",
    "crude",
    "wheat",
    "lender",
    "bank",
    "regulator",
    "minister",
    "parliament",
    "election",
    "strike",
    "harbour",
    "airline",
    "refinery",
    "pension",
    "budget",
    "deficit",
    "surplus",
    "exports",
    "imports",
    "factory",
    "payrolls",
    "wages",
    "housing",
    "rents",
    "rates",
    "central",
]


def story_text(seed: str, words: int = 120) -> str:
    """Article-like text that differs from story to story (so dedupe keeps them apart)."""
    import random

    rng = random.Random(seed)
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < words:
        sentence = " ".join(rng.choice(_VOCABULARY) for _ in range(rng.randint(8, 16)))
        sentences.append(sentence.capitalize() + ".")
    return " ".join(sentences)


class Serves(Protocol):
    """What ``story_feed`` needs of a test server."""

    def add(self, path: str, body: str | bytes, status: int = 200, **headers: str) -> str: ...


def story_feed(server: Serves, name: str, titles: list[str]) -> str:
    """Serve ``/<name>.rss``, an RSS feed of stories with these titles, each with a page of
    its own at ``/<name>/<n>`` (investing.com's layout); returns the feed's URL."""
    items = []
    for n, title in enumerate(titles):
        link = server.add(
            f"/{name}/{n}", investing_current_page(title, [("p", story_text(title))] * 3)
        )
        items.append(
            f"<item><title>{escape(title)}</title><link>{link}</link>"
            f"<pubDate>Fri, 20 Nov 2026 10:{n % 60:02d}:00 GMT</pubDate></item>"
        )
    rss = f'<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    return server.add(f"/{name}.rss", rss, Content_Type="application/rss+xml")
