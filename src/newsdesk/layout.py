"""Where everything of a site lives on disk: the one place that builds a site's paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE = "newsdesk.toml"
STATE_DIR = ".newsdesk"
THUMBNAILS = "thumbnails"
IMAGE_SUFFIXES = (".jpg", ".png")


@dataclass(frozen=True, slots=True)
class Site:
    """A site folder and the paths inside it.

    ``section`` is the content section posts go to (``[posts] section``, ``posts`` by default).
    """

    root: Path
    section: str = "posts"

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def config_file(self) -> Path:
        """``newsdesk.toml``."""
        return self.root / CONFIG_FILE

    @property
    def state_dir(self) -> Path:
        """``.newsdesk/``: state, locks, build folders, caches."""
        return self.root / STATE_DIR

    @property
    def state_db(self) -> Path:
        """The SQLite state database."""
        return self.state_dir / "state.db"

    @property
    def content(self) -> Path:
        """Hugo's ``content/`` folder."""
        return self.root / "content"

    @property
    def posts(self) -> Path:
        """The folder posts are written to: ``content/<section>/``."""
        return self.content / self.section

    @property
    def public(self) -> Path:
        """The built site."""
        return self.root / "public"

    @property
    def builds(self) -> Path:
        """Fresh build folders, swapped into ``public/`` when a build succeeds."""
        return self.state_dir / "builds"

    @property
    def build_lock(self) -> Path:
        """Held for a whole build: one build at a time per site."""
        return self.state_dir / "build.lock"

    @property
    def hugo_config(self) -> Path:
        """``hugo.toml``, generated from ``newsdesk.toml`` on every build."""
        return self.root / "hugo.toml"

    @property
    def preview(self) -> Path:
        """Where ``serve`` renders its live-reloading preview (never ``public/``)."""
        return self.state_dir / "preview"

    @property
    def hugo_cache(self) -> Path:
        """Hugo's cache folder (``HUGO_CACHEDIR``)."""
        return self.state_dir / "hugo-cache"

    def post_path(self, item_id: str, language: str = "") -> Path:
        """``content/<section>/<id>.md`` (``<id>.<lang>.md`` for a translation)."""
        if not item_id.isalnum():
            raise ValueError(f"post id must be alphanumeric: {item_id!r}")
        if language and not language.replace("-", "").isalnum():
            raise ValueError(f"language must be a language code: {language!r}")
        name = f"{item_id}.{language}.md" if language else f"{item_id}.md"
        return self.posts / name

    @property
    def thumbnails(self) -> Path:
        """``static/thumbnails/``: lead images kept with their posts (``thumbnail = "auto"``)."""
        return self.root / "static" / THUMBNAILS

    def thumbnail_path(self, item_id: str, suffix: str) -> Path:
        """``static/thumbnails/<id>.jpg`` (or ``.png``): the lead image of an item's post."""
        if not item_id.isalnum():
            raise ValueError(f"post id must be alphanumeric: {item_id!r}")
        if suffix not in IMAGE_SUFFIXES:
            raise ValueError(f"not an image suffix newsdesk writes: {suffix!r}")
        return self.thumbnails / f"{item_id}{suffix}"

    def thumbnail_ref(self, path: Path) -> str:
        """How a post's front matter names its kept image: ``thumbnails/<file>``, the path
        Hugo serves it at (from ``static/``) and finds it under (mounted into assets)."""
        return f"{THUMBNAILS}/{path.name}"

    def thumbnail_files(self, item_id: str) -> list[Path]:
        """An item's lead image, as it is on disk."""
        if not item_id.isalnum():
            raise ValueError(f"post id must be alphanumeric: {item_id!r}")
        return [p for s in IMAGE_SUFFIXES if (p := self.thumbnails / f"{item_id}{s}").exists()]

    def post_files(self, item_id: str) -> list[Path]:
        """An item's post and its translations, as they are on disk."""
        main = self.post_path(item_id)
        return sorted(p for p in (main, *self.posts.glob(f"{item_id}.*.md")) if p.exists())

    def relative(self, path: Path) -> str:
        """``path`` relative to the site folder, as stored in the state."""
        return str(path.relative_to(self.root))
