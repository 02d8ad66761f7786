"""Drop blocks that readers should never see in a post: ads, share bars, newsletter boxes,
"Read more" links, photo credits, cookie notices, disclaimers and copyright trailers."""

from __future__ import annotations

import re
import unicodedata

from newsdesk.extraction.furniture import Furniture, fold, is_byline, marked_as
from newsdesk.models import Block
from newsdesk.text import letters
from newsdesk.words import word_tokens

# A block that is entirely one of these is boilerplate wherever it appears.
_WHOLE = re.compile(
    r"^(advertisement|advertisements?|anzeige|publicidad|pubblicità|publicité|sponsored"
    r"|scroll to continue( with content)?|story continues( below)?|continue reading"
    r"|read more|read the full (story|article)|see also|related( articles| stories| coverage)?"
    r"|share( this( article| story)?)?|share on \w+( ?/ ?\w+)*|print( \| email)?( \| share)?"
    r"|print \| email \| share|comments?|\d+ comments?|show comments|loading\.*|skip to content"
    r"|recommended( for you)?|most popular|trending( now)?|back to top|top of page"
    r"|©.{0,80}|\(c\) ?\d{4}.{0,80}|copyright .{0,80}|all rights reserved\.?"
    r"|photo:.{0,120}|image:.{0,120}|credit:.{0,120}|source:.{0,60}|file photo.{0,120}"
    r"|published \d{1,2}/\d{1,2}/\d{4}.{0,40}|updated \d{1,2}/\d{1,2}/\d{4}.{0,40}"
    r")\W*$",
    re.IGNORECASE,
)
# A block that starts like this is boilerplate when it is short.
_SHORT_PREFIX = re.compile(
    r"^(read more|read also|also read|more:|related:|see also|sign up|subscribe|newsletter"
    r"|3rd party ad|third[- ]party ad|sponsored content|remove ads|continue reading"
    r"|read next|up next|watch:|lesedauer|lesezeit|reading time|get in touch with"
    r"|join (our|the) (commenting|conversation|discussion)|story continues below"
    r"|advertisement|anzeige|hace \d+ (horas?|minutos?)|hace una hora|kilde:|quelle:"
    r"|mehr zum thema|auch interessant|das könnte (sie|dich|euch) auch interessieren"
    r"|das thema könnte (sie|dich|euch) auch interessieren|lesen sie auch"
    r"|weiterlesen|zum thema|more from|recommended stories|you may also like|most read"
    r"|click here|tap here|follow us|join us on|get the latest|download (our|the) app"
    r"|we use cookies|this (web)?site uses cookies|by (clicking|continuing|using) (this|our)"
    r"|this article was generated with the support of ai|this article was (written|produced)"
    r" with the (help|support) of ai|for more information see our t&c|share (on|via)"
    r"|you can (reach|contact) the author|reporting by .{0,200}; editing by"
    r"|editing by |writing by |additional reporting by "
    # "Read also" teasers in other languages
    r"|les også|les mer|läs också|läs mer|læs også|læs mere|lue myös|lees ook|lees meer"
    r"|leia também|leia mais|lee también|lea también|à lire aussi|a lire aussi|lire aussi"
    r"|leggi anche|czytaj (też|także|również)|čtěte (také|též)|přečtěte si|olvasd el"
    r"|citește și|more\s*:|read:|zum artikel:|funda olunye)",
    re.IGNORECASE,
)
# Short lines that only date the page or its video: "Stand: 22.04.2024 06:00 Uhr",
# "Updated 2 minutes ago", "02:14 Min.".
_DATELINE = re.compile(
    r"^(stand|updated|published|aktualisiert|veröffentlicht|uppdaterad|publicerad|oppdatert"
    r"|publisert|sendung)\b.{0,30}\d|\d+ (minutes?|hours?|days?) ago\s*$|^\d{1,2}:\d{2} min\."
    # a date and a time of day and little else: "05.08.2024, 20:59 Uhr", "2018年6月18日 10:01"
    r"|^(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日),?\s*\d{1,2}:\d{2}",
    re.IGNORECASE,
)
_DATELINE_MAX_WORDS = 10
# Slideshow captions: "1/50 ...", "3 of 12 ..."; three or more of them are a gallery.
_GALLERY = re.compile(r"^\d{1,3}\s*(/|of|von|de|sur)\s*\d{1,3}\b", re.IGNORECASE)
# Long disclaimers that some finance sites append to every article.
_DISCLAIMER = re.compile(
    r"^(risk disclosure:|disclaimer:|fusion media would like to remind you"
    r"|the information (provided|contained) (in|on) this (article|website|page) (is|does)"
    r"|this (article|content) is for informational purposes only"
    r"|nothing (in|on) this (article|page) (is|constitutes) (financial|investment) advice)",
    re.IGNORECASE,
)
_SHORT = 40  # words
# Calls to action inside the text column: newsletter and subscription boxes, donation
# appeals, consent placeholders for embeds, browser warnings. Only short blocks are judged.
_PROMO = re.compile(
    r"(der|our|unser(en)?|the)( [\w-]+)? [\w-]*newsletter (informiert|keeps|brings|bringt)"
    r"|tu suscripción se está usando|quieres añadir otro usuario a tu suscripción"
    r"|abonniere (den|unseren)|abonnez-vous à notre|suscríbete a nuestro"
    r"|unterstützen sie uns|support (our|independent) journalism"
    r"|make a donation|donate (now|today)|you are using a browser|enable javascript"
    r"|javascript (is )?(disabled|deaktiviert)|aktivieren sie javascript|diesen inhalt (zu )?"
    r"(sehen|anzeigen)|externe[nr]? inhalte?|partnermarke|more to follow|hat ihnen dieser "
    r"artikel gefallen|thank you for visiting|continuar compartiendo tu cuenta",
    re.IGNORECASE,
)
_PROMO_MAX_WORDS = 60
_PROSE = 150  # letters: a block this long is article text, and bounds the "edges" of it
# A short block like these starts the comment section or the page's footer: the article ended.
_END_OF_ARTICLE = re.compile(
    r"^(\d+\s+)?(comments?|comentar(ios?)?|comentários|kommentare?|leserkommentare|commenti"
    r"|commentaires?|reacties|komentarze|komentáře|kommentarer|yorumlar|reader comments"
    r"|leave a (comment|reply)|post a comment|add a comment|write a comment"
    r"|join the (discussion|conversation)|show comments|view comments|kommentar verfassen"
    r"|diskutieren sie mit|kļūda rakstā\??|report an error|fehler gefunden\??"
    r"|signaler une erreur|you might also like|related (articles|stories|posts)"
    r"|more (stories|articles) from .{0,40}|recommended for you|most popular)\W*$",
    re.IGNORECASE,
)


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


_LONG = 800  # characters: past this only a disclaimer's opening can mark a block (60 words max)


def is_boilerplate(text: str) -> bool:
    """True for a block that is furniture, not article text."""
    if len(text) > _LONG:
        return bool(_DISCLAIMER.match(_normal(text[:200])))
    text = _normal(text)
    if not text:
        return True
    if _WHOLE.match(text) or _DISCLAIMER.match(text):
        return True
    words = len(text.split())
    if words <= _PROMO_MAX_WORDS and _PROMO.search(text):
        return True
    if words <= _DATELINE_MAX_WORDS and _DATELINE.search(text):
        return True
    return bool(_SHORT_PREFIX.match(text)) and words <= _SHORT


def _ends_article(block: Block, index: int, total: int) -> bool:
    """A comment-section or "more stories" heading in the last part of the text."""
    if index < max(3, 0.25 * total) or len(block.text.split()) > 6:
        return False
    text = _normal(block.text)
    if not _END_OF_ARTICLE.match(text):
        return False
    # "941 comments" next to the byline is a link to the comments, not their start.
    return block.kind == "h" or not text[:1].isdigit()


# "Jane Roe is a reporter at ...", "Korrespondent Ulrich Exner ist bei WELT ...": the author's
# biography, which pages put below the text.
_AUTHOR_BIO = re.compile(
    r"^(\w+ )?([A-ZÀ-ÞĀ-Ž][\w'’.-]+ ){2,3}(?i:(is|was|ist|war|est|es|è|jest) (an? |the |ein |"
    r"eine |der |die |un |une |el |la |il )?.{0,80}?\b(reporter|editor|writer|correspondent"
    r"|journalist|author|columnist|contributor|producer|professor|redakteur|korrespondent|autor"
    r"|volontär|rédact|journaliste|periodista|redactor|giornalista|dziennikarz|head of))"
)
_BIO_MAX_WORDS = 60
_BIO_FROM_END = 3  # only among the last blocks


def _author_bio(block: Block, index: int, total: int, furniture: Furniture | None) -> bool:
    if index < total - _BIO_FROM_END or block.kind == "h":
        return False
    text = _normal(block.text)
    if len(text.split()) > _BIO_MAX_WORDS or not _AUTHOR_BIO.match(text):
        return False
    # Where the page names its authors, a biography names one of them.
    return (
        furniture is None
        or not furniture.authors
        or any(name in fold(text) for name in furniture.authors)
    )


def _same(a: str, b: str) -> bool:
    return bool(a) and fold(a) == fold(b)


def drop_headline(blocks: list[Block], title: str) -> list[Block]:
    """Remove the headline when it is repeated at the top of the body: exactly, or as a
    heading that is the headline with a kicker or the site's name added."""
    start = 0
    while start < len(blocks) and title and _same(blocks[start].text, title):
        start += 1
    blocks = blocks[start:]
    want = set(word_tokens(title))
    if len(want) < 3:
        return blocks
    for index, block in enumerate(blocks[:3]):
        got = word_tokens(block.text)
        if len(got) > 40:  # the article has begun
            break
        if (
            block.kind == "h"
            and len(want & set(got)) >= 0.8 * len(want)
            and len(got) <= 1.5 * len(want) + 4
        ):
            return blocks[:index] + blocks[index + 1 :]
    return blocks


def _drop_gallery(blocks: list[Block]) -> list[Block]:
    captions = sum(1 for b in blocks if _GALLERY.match(b.text))
    return [b for b in blocks if not _GALLERY.match(b.text)] if captions >= 3 else blocks


def clean_blocks(
    blocks: list[Block], title: str = "", furniture: Furniture | None = None
) -> list[Block]:
    """Remove boilerplate, exact repeats, slideshow captions, and a headline repeated at the
    top of the body; with ``furniture``, also what the page marks as captions, links to other
    pages and bylines."""
    blocks = _drop_gallery(blocks)
    prose = [i for i, b in enumerate(blocks) if b.kind != "h" and letters(b.text) >= _PROSE]
    # Without a paragraph of prose there are no edges to trim: a page of short items (a link
    # blog, a list) is its own text.
    first_prose, last_prose = (prose[0], prose[-1]) if prose else (0, len(blocks))
    kept: list[Block] = []
    seen: set[str] = set()
    in_furniture_list = False  # the items under a "Related articles" or "Most read" heading
    for index, block in enumerate(blocks):
        if _ends_article(block, index, len(blocks)):
            break
        if _author_bio(block, index, len(blocks), furniture):
            continue
        if block.kind == "li" and in_furniture_list:
            continue
        in_furniture_list = False
        if is_boilerplate(block.text):
            in_furniture_list = block.kind == "h" or len(block.text.split()) <= 4
            continue
        if furniture is not None and is_byline(block, furniture):
            continue
        at_edge = index < first_prose or index > last_prose
        key = _normal(block.text).casefold()
        words = len(block.text.split())
        repeated = key in seen
        # The page is read for captions and links only where they would count.
        if furniture is not None and (at_edge or (repeated and words > 25)):
            kind = marked_as(block, furniture)
            if kind is not None and (at_edge or kind == "caption"):
                continue
        # A short block seen before is a pull quote or a repeated caption; long paragraphs
        # that repeat are left alone (they are rare, and dropping one loses text).
        if repeated and 3 < words <= 25:
            continue
        seen.add(key)
        kept.append(block)
    kept = drop_headline(kept, title)
    # Copyright and credit lines are often glued to the end: "© Reuters." as its own block.
    while kept and kept[-1].kind != "h" and re.match(r"^(©|\(c\))", _normal(kept[-1].text), re.I):
        kept.pop()
    while len(kept) > 1 and kept[-1].kind == "h" and any(b.kind != "h" for b in kept):
        kept.pop()
    return kept
