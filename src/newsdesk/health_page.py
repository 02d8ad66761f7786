"""The health report as one self-contained HTML page: inline CSS and SVG charts, no script,
no font, no image and no request to any host. Every text from a feed or the state (names,
URLs, errors) is escaped."""

from __future__ import annotations

from html import escape

from newsdesk.health import HealthReport, SourceHealth

WIDTH, HEIGHT = 240, 44
COLOURS = {
    "ok": "#1a7f37",
    "failing": "#b3261e",
    "stopped": "#9a6700",
    "shrinking": "#9a6700",
    "quiet": "#57606a",
    "disabled": "#57606a",
}
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #1d2327; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
.summary { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0 2rem; padding: 0; }
.summary li { list-style: none; border: 1px solid #d0d7de; border-radius: 6px;
  padding: .5rem .9rem; }
.summary b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem;
  border-bottom: 1px solid #d0d7de; }
th { font-size: .8rem; text-transform: uppercase; color: #57606a; }
.state { font-weight: 600; }
.name { font-weight: 600; overflow-wrap: anywhere; }
.url, .error, .muted { color: #57606a; font-size: .85rem; overflow-wrap: anywhere; }
.error { color: #b3261e; }
svg { display: block; }
"""


def render_report(report: HealthReport) -> str:
    """The whole page."""
    s = report.summary
    cards = [
        ("sources", s.get("sources", 0)),
        ("ok", s.get("ok", 0)),
        ("failing", s.get("failing", 0)),
        ("stopped publishing", s.get("stopped", 0)),
        ("texts shrank", s.get("shrinking", 0)),
        (f"posts in {len(report.days)} days", s.get("posts", 0)),
        ("items given up", s.get("failures", 0)),
    ]
    summary = "".join(f"<li><b>{value}</b>{escape(label)}</li>" for label, value in cards)
    rows = "".join(_row(source, report.days) for source in _worst_first(report.sources))
    title = f"{report.site_title}: source health"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="muted">Generated {escape(report.generated_at)} (UTC) by newsdesk, over
{escape(report.days[0])} to {escape(report.days[-1])}. Sources that need a look come first.</p>
<ul class="summary">{summary}</ul>
<table>
<thead><tr><th scope="col">source</th><th scope="col">state</th>
<th scope="col">posts per day</th><th scope="col">items given up per day</th>
<th scope="col">median words per post</th><th scope="col">last success</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</main>
</body>
</html>
"""


def _worst_first(sources: list[SourceHealth]) -> list[SourceHealth]:
    order = ["failing", "stopped", "shrinking", "quiet", "ok", "disabled"]
    return sorted(sources, key=lambda s: (order.index(s.state), s.name))


def _row(source: SourceHealth, days: list[str]) -> str:
    state = f'<span class="state" style="color:{COLOURS[source.state]}">{source.state}</span>'
    notes = []
    if source.last_error:
        notes.append(
            f'<div class="error">{escape(source.last_error)}'
            f" ({source.consecutive_failures} failure(s) in a row)</div>"
        )
    if source.shrinking:
        before, now = source.shrinking
        notes.append(
            f'<div class="error">texts shrank from about {before} to {now} words per post:'
            " the page layout or a site rule may have changed</div>"
        )
    last_post = source.last_post_day or "none in these days"
    return (
        f'<tr><td><div class="name">{escape(source.name)}</div>'
        f'<div class="url">{escape(source.url)}</div></td>'
        f"<td>{state}{''.join(notes)}</td>"
        f"<td>{_bars(source.published, days, '#1f6feb', 'posts')}"
        f'<div class="muted">{sum(source.published)} in all; last {escape(last_post)}</div></td>'
        f"<td>{_bars(source.failed, days, '#b3261e', 'given up')}"
        f'<div class="muted">{sum(source.failed)} in all</div></td>'
        f"<td>{_line(source.median_words, days)}</td>"
        f'<td class="muted">{escape((source.last_success or "never").replace("T", " ")[:19])}</td>'
        "</tr>\n"
    )


def _bars(values: list[int], days: list[str], colour: str, what: str) -> str:
    """A bar per day, each with its date and count as a tooltip."""
    top = max(values, default=0) or 1
    step = WIDTH / max(len(values), 1)
    bars = []
    for n, (value, day) in enumerate(zip(values, days, strict=True)):
        height = round((HEIGHT - 2) * value / top, 1)
        bars.append(
            f'<rect x="{n * step:.1f}" y="{HEIGHT - height:.1f}" width="{max(step - 1, 1):.1f}"'
            f' height="{max(height, 0.5 if value else 0):.1f}" fill="{colour}">'
            f"<title>{day}: {value} {what}</title></rect>"
        )
    most = max(values, default=0)
    label = f"{what} per day, {days[0]} to {days[-1]}: {sum(values)} in all, at most {most} a day"
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(label)}"><line x1="0" y1="{HEIGHT}" x2="{WIDTH}" y2="{HEIGHT}"'
        f' stroke="#d0d7de"/>{"".join(bars)}</svg>'
    )


def _line(values: list[int | None], days: list[str]) -> str:
    """The median words of each day's posts, as a line with a dot per day that had posts."""
    known = [v for v in values if v is not None]
    if not known:
        return '<span class="muted">no posts</span>'
    top = max(known) or 1
    step = (WIDTH - 6) / max(len(values) - 1, 1)  # 3 px at each end: no dot is cut off
    points = []
    dots = []
    for n, (value, day) in enumerate(zip(values, days, strict=True)):
        if value is None:
            continue
        x, y = 3 + n * step, HEIGHT - 3 - (HEIGHT - 6) * value / top
        points.append(f"{x:.1f},{y:.1f}")
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#6639ba">'
            f"<title>{day}: median {value} words</title></circle>"
        )
    label = f"median words per post by day: from {known[0]} to {known[-1]}, at most {top}"
    return (
        f'<svg width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-label="{escape(label)}"><polyline points="{" ".join(points)}" fill="none"'
        f' stroke="#6639ba" stroke-width="1.5"/>{"".join(dots)}</svg>'
        f'<div class="muted">{known[-1]} words lately</div>'
    )
