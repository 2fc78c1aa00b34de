#!/usr/bin/env python3
"""Every public address of a deployment whose cities are copies of one (`mokuhyo clone-city`):
crawls the source city's pages on a running server, then writes the same addresses for each
copy, with the city list and prefecture pages, one per line.

    python3 tools/national-urls.py http://127.0.0.1:8080 kariya > urls.txt
"""
import re
import sys
import urllib.request
from html import unescape

base, source = sys.argv[1].rstrip("/"), sys.argv[2]
LINK = re.compile(r'href="(/[^"#?]*)"')


def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return r.read().decode("utf-8", "replace")


def crawl(start, keep):
    seen, todo = set(), [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            body = get(path)
        except Exception:
            seen.discard(path)
            continue
        if not path.endswith((".json", ".csv", ".xlsx", ".zip", ".css", ".js")):
            for link in LINK.findall(body):
                link = unescape(link)
                if keep(link) and link not in seen:
                    todo.append(link)
    return seen


city_paths = crawl("/" + source, lambda l: l == "/" + source or l.startswith("/" + source + "/")
                   or l.startswith("/" + source + "."))
shared = crawl("/", lambda l: l == "/" or l.startswith("/prefectures/"))
shared.add("/open-data")
slugs = sorted(set(re.findall(r'href="/(' + re.escape(source) + r'(?:-\d+)?)"', "".join(
    get(p) for p in shared if p.startswith("/prefectures/")))) | {source})
out = sys.stdout
for p in sorted(shared):
    out.write(p + "\n")
for slug in slugs:
    for p in sorted(city_paths):
        out.write("/" + slug + p[len(source) + 1:] + "\n")
print(f"{len(slugs)} cities, {len(city_paths)} pages each, {len(shared)} shared pages",
      file=sys.stderr)
