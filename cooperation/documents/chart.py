"""The status chart of a circular: a bar chart drawn by matplotlib with a Chinese font.

matplotlib knows no Chinese font by default and draws boxes; ``cjk_font`` finds one the
machine has (the font files of Debian's fonts-wqy-microhei, fonts-noto-cjk, or Windows'
SimHei / Microsoft YaHei), registering its file with matplotlib when matplotlib's own list
lacks it. No pyplot: a ``Figure`` with the Agg canvas is safe in threads and needs no display.
"""

import functools
import io
import os
import tempfile

# matplotlib keeps a font cache under $MPLCONFIGDIR (the home directory by default, which a
# service account may not be able to write).
os.environ.setdefault("MPLCONFIGDIR", os.path.join(tempfile.gettempdir(), "chengyi-matplotlib"))

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
)
FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


class NoChineseFont(RuntimeError):
    pass


@functools.cache
def cjk_font() -> str:
    """The family name of a Chinese font matplotlib can draw with."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in FAMILIES:
        if family in known:
            return family
    for path in FILES:
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    raise NoChineseFont(
        "No Chinese font for charts: install fonts-wqy-microhei (Debian) or a font named in "
        "cooperation/documents/chart.py"
    )


def bar_chart(labels: list[str], values: list[int], colors: list[str], title: str) -> bytes:
    """A PNG of one bar per label, each with its value on top (150 × 80 mm at 200 dpi)."""
    # Lazy translations would look like arrays: the texts in the language active now.
    return _bar_chart(tuple(map(str, labels)), tuple(values), tuple(colors), str(title))


@functools.lru_cache(maxsize=32)
def _bar_chart(labels: tuple, values: tuple, colors: tuple, title: str) -> bytes:
    """Drawing takes about 0.1 s: the same figures (a circular downloaded again, or by
    another reader) give the same PNG, kept per process."""
    family = cjk_font()
    labels = list(labels)
    figure = Figure(figsize=(150 / 25.4, 80 / 25.4), dpi=200)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.bar(labels, values, color=colors, width=0.6)
    axes.bar_label(bars, labels=[str(v) for v in values], fontfamily=family, fontsize=9)
    axes.set_title(title, fontfamily=family, fontsize=11)
    for label in axes.get_xticklabels():
        label.set_fontfamily(family)
        label.set_fontsize(9)
    axes.tick_params(axis="y", labelsize=8)
    axes.set_ylim(0, max([*values, 1]) * 1.18)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
