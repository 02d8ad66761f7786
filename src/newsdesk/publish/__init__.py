"""Stage 6, publish: Articles become Hugo Markdown posts, written atomically."""

from newsdesk.publish.files import (
    add_source_link,
    post_path,
    remove_stale_temp_files,
    write_atomic,
)
from newsdesk.publish.post import render_post

__all__ = ["add_source_link", "post_path", "remove_stale_temp_files", "render_post", "write_atomic"]
