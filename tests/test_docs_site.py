"""The built documentation site renders in a real browser (headless Chromium).

``nox -s docs`` builds the site and runs this file with ``ARRAYBACKEND_DOCS_HTML`` set to
the HTML folder; elsewhere it skips. For three pages (the front page, the API page of
``matrix_multiply``, the digits example) it checks the DOM Chromium rendered, after the
theme's JavaScript ran, for a main content with the page's own text, and takes a
screenshot that must not be blank. The screenshots are kept (``ARRAYBACKEND_DOCS_SHOTS``)
for a person to look at.

Chromium comes from the Debian package ``chromium`` (``.ci/run`` installs it where apt-get
works). Without it the test skips with that reason, except under ``CI``, where a missing
browser is a failure: the check must not silently stop running there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

HTML = os.environ.get("ARRAYBACKEND_DOCS_HTML")
SHOTS = os.environ.get("ARRAYBACKEND_DOCS_SHOTS")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

pytestmark = pytest.mark.skipif(HTML is None, reason="no built site given: run nox -s docs")

# page -> (path in the site, text its main content must contain)
PAGES = {
    "front": ("index.html", "Where to go next"),
    "matrix_multiply": (
        "api/generated/arraybackend.matrix_multiply.html",
        "on the current backend",
    ),
    "example": ("example-digits.html", "Parity on real work"),
}


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    if os.environ.get("CI"):
        pytest.fail("no Chromium on this CI machine: .ci/run should have installed it")
    pytest.skip("no Chromium here: apt-get install chromium (Debian) to run this check")


def _run(*args: str) -> str:
    # --no-sandbox: the sandbox refuses to run as root (CI runs as root); the pages are
    # our own local files. The virtual-time budget lets the theme's scripts finish.
    command = [
        _browser(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--virtual-time-budget=5000",
        "--window-size=1280,1000",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class _MainText(HTMLParser):
    """The text inside ``<main>``, and the ``src`` of its images."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main" or (self.depth and tag not in {"img", "br", "hr", "input", "meta"}):
            self.depth += 1
        if self.depth and tag == "img":
            self.images.extend(v for k, v in attrs if k == "src" and v is not None)

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in {"img", "br", "hr", "input", "meta"}:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders(page: str) -> None:
    assert HTML is not None
    path, expected = PAGES[page]
    url = (Path(HTML) / path).resolve().as_uri()
    parser = _MainText()
    parser.feed(_run("--dump-dom", url))
    text = " ".join(" ".join(parser.text).split())
    assert len(text) > 300, f"{path}: main content is (nearly) empty: {text!r}"
    assert expected in text, f"{path}: {expected!r} not in the rendered main content"
    for src in parser.images:  # every image the page shows exists in the site
        if not src.startswith(("http:", "https:", "data:")):
            assert (Path(HTML) / path).parent.joinpath(src).is_file(), f"{path}: no {src}"

    shots = Path(SHOTS) if SHOTS is not None else Path(HTML).parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    png = shots / f"{page}.png"
    png.unlink(missing_ok=True)
    _run(f"--screenshot={png}", url)
    import matplotlib.image

    pixels = np.asarray(matplotlib.image.imread(png))[..., :3]
    # A rendered page has text: many pixels far from the background colour.
    background = np.median(pixels.reshape(-1, 3), axis=0)
    far = np.abs(pixels - background).max(axis=-1) > 0.25
    ink = np.count_nonzero(far) / far.size
    assert ink > 0.01, f"{page}: the screenshot is blank ({ink:.2%} of pixels differ)"


class _Links(HTMLParser):
    """Every ``href``/``src`` of a page, and every ``id`` it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key == "id":
                self.ids.add(value)
            elif key == "href" or (key == "src" and tag in {"img", "script"}):
                self.links.append(value)


def test_internal_links_resolve() -> None:
    """Every link inside the site reaches an existing file, and an existing anchor in it.

    Offline by design: external links (any URL with a scheme) are not fetched.
    """
    assert HTML is not None
    site = Path(HTML).resolve()
    pages: dict[Path, _Links] = {}
    for page in sorted(site.rglob("*.html")):
        if page.parent.name == "_static":  # the theme's template macros, not a page
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page] = parser
    assert len(pages) > 20, f"only {len(pages)} pages in {site}"
    broken: list[str] = []
    for page, parser in pages.items():
        for link in parser.links:
            if ":" in link.split("/")[0] or link.startswith("//"):  # http:, mailto:, data:
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path.split("?")[0]).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {link}"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
            elif anchor and target.suffix == ".html":
                ids: set[str] = pages[target].ids if target in pages else set()
                if anchor not in ids:
                    broken.append(f"{where} (no anchor #{anchor})")
    assert not broken, "\n".join(broken[:50])
