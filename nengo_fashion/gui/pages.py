"""The pages nengo GUI serves, patched: ten line colours instead of six.

nengo GUI 0.6.0 draws lines and legends from a six-colour palette, so ten classes repeat
colours (Trouser = Sneaker, Dress = Ankle boot). `ten_colour_handler` serves its
JavaScript files with `PALETTE` instead (`patched_static`).
"""

import os

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""Ten distinct line colours (matplotlib's tab10), one per class."""

_JS_PATCHES = {
    # nengo GUI 0.6.0 draws lines and legends from a six-colour palette, so ten
    # classes repeat colours (Trouser = Sneaker, Dress = Ankle boot)
    "static/nengo.js": [
        (
            '["#1c73b3", "#039f74", "#d65e00", "#cd79a7", "#f0e542", "#56b4ea"]',
            "[" + ", ".join(f'"{c}"' for c in PALETTE) + "]",
        )
    ],
    "static/components/value.js": [
        ("Nengo.make_colors(6)", f"Nengo.make_colors({len(PALETTE)})"),
        ("self.colors[i % 6]", "self.colors[i % self.colors.length]"),
    ],
}


def patched_static(name, data):
    """nengo GUI's static file ``name`` (bytes) with ten line colours instead of six.

    Raises `RuntimeError` if a patch no longer applies (another nengo GUI version).
    """
    for old, new in _JS_PATCHES.get(name, []):
        if old.encode() not in data:
            raise RuntimeError(f"nengo GUI's {name} has changed: cannot set ten colours")
        data = data.replace(old.encode(), new.encode())
    return data


def ten_colour_handler(handler_cls):
    """A subclass of nengo GUI's request handler that serves `patched_static` files."""
    import mimetypes
    import pkgutil

    from nengo_gui import server as gui_server

    class Handler(handler_cls):
        def serve_static(self):
            name = os.path.normpath(self.resource[1:]).replace(os.sep, "/")
            if name not in _JS_PATCHES:
                return super().serve_static()
            data = patched_static(name, pkgutil.get_data("nengo_gui", name))
            return gui_server.HttpResponse(data, mimetypes.guess_type(name)[0])

    return Handler
