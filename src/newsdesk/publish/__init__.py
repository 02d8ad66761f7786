"""Stage 6, publish: Articles become Hugo Markdown posts, written atomically."""

from newsdesk.publish.files import add_source_link, remove_stale_temp_files, write_atomic
from newsdesk.publish.post import render_post
from newsdesk.publish.writer import write_post

__all__ = [
    "add_source_link",
    "remove_stale_temp_files",
    "render_post",
    "write_atomic",
    "write_post",
]
