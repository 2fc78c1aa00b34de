#!/usr/bin/env python3
"""Saves the pages listed on standard input, as a running server sends them, under DIR so that
nginx serves the very same bytes: /a/b is DIR/a/b/index.html, /a/b.json is DIR/a/b.json.

    python3 tools/save-pages.py http://127.0.0.1:8080 DIR < urls.txt
"""
import os
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base, root = sys.argv[1].rstrip("/"), sys.argv[2]


def target(path):
    name = os.path.basename(path)
    if "." in name:
        return os.path.join(root, path.lstrip("/"))
    return os.path.join(root, path.lstrip("/"), "index.html")


def save(path):
    try:
        with urllib.request.urlopen(base + path, timeout=60) as r:
            body = r.read()
    except Exception as e:
        return f"{path}: {e}"
    file = target(path)
    os.makedirs(os.path.dirname(file), exist_ok=True)
    with open(file, "wb") as f:
        f.write(body)
    return None


paths = [line.strip() for line in sys.stdin if line.strip()]
with ThreadPoolExecutor(8) as pool:
    failed = [e for e in pool.map(save, paths) if e]
print(f"{len(paths) - len(failed)} pages saved, {len(failed)} failed", file=sys.stderr)
for e in failed[:5]:
    print(e, file=sys.stderr)
