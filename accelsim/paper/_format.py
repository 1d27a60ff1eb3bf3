"""Text helpers shared by the reasons and the report: numbers and shapes as people read them."""

from __future__ import annotations


def bits(value: float) -> str:
    """A bit or byte count with thousands separators: 8202816 -> "8,202,816"."""
    return f"{value:,.0f}"


def seconds(value: float) -> str:
    """Seconds to 6 significant digits: "0.000327989 s"."""
    return f"{value:.6g} s"


def hwc(shape: tuple[int, ...]) -> str:
    """A feature map as Table 1 writes it, H x W x C (from NCHW); other shapes joined by x."""
    if len(shape) == 4:
        return f"{shape[2]}x{shape[3]}x{shape[1]}"
    return "x".join(str(d) for d in shape)


def listed(numbers: tuple[int, ...] | list[int]) -> str:
    """Layer numbers as "4, 24" ("" for none)."""
    return ", ".join(str(n) for n in numbers)
