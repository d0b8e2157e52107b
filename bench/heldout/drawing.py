"""Hand-drawn looking signatures: smooth curves, straight-stroke polylines, scanned ink.

Students sign on paper and scan, or draw with a mouse in an editor; each leaves a different
trace in the PDF (Bézier paths, line segments, a raster image).
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter

SIG_W, SIG_H = 200.0, 60.0  # drawing units; back ends scale to about 5 x 1.5 cm


def signature_strokes(rng: random.Random, kind: str) -> list[list[tuple[float, float]]]:
    """A few strokes inside SIG_W x SIG_H; `curve` strokes are dense for smooth rendering."""
    strokes: list[list[tuple[float, float]]] = []
    x = 10.0 + rng.random() * 15
    n_strokes = rng.randint(2, 3)
    for s in range(n_strokes):
        pts: list[tuple[float, float]] = []
        loops = rng.randint(3, 6)
        width = (SIG_W - 30) / n_strokes
        step = 6 if kind == "polyline" else 1.5
        t = 0.0
        amp = 12 + rng.random() * 14
        freq = loops * 2 * math.pi / width
        phase = rng.random() * math.pi
        while t < width:
            y = SIG_H / 2 + amp * math.sin(freq * t + phase) * (0.6 + 0.4 * math.cos(t / 17))
            px = x + t + 7 * math.cos(freq * t * 1.3 + phase)
            pts.append((round(px, 2), round(y, 2)))
            t += step + (rng.random() * 3 if kind == "polyline" else 0)
        strokes.append(pts)
        x += width * (0.9 + rng.random() * 0.2)
        if s == 0 and rng.random() < 0.7:
            # a flourish underline
            y0 = SIG_H - 8 - rng.random() * 6
            strokes.append([(12.0, y0), (SIG_W * 0.5, y0 + 3), (SIG_W - 15, y0 - 4)])
    return strokes


def ink_png(rng: random.Random, scale: float = 3.0) -> bytes:
    """A scanned ink signature: blue-black strokes on slightly grey paper, blurred, PNG."""
    w, h = int(SIG_W * scale), int(SIG_H * scale)
    paper = 235 + rng.randint(0, 15)
    img = Image.new("RGB", (w, h), (paper, paper, paper - 3))
    draw = ImageDraw.Draw(img)
    ink = rng.choice([(20, 30, 110), (15, 15, 25), (30, 40, 140)])
    for stroke in signature_strokes(rng, "curve"):
        pts = [(px * scale, py * scale) for px, py in stroke]
        draw.line(pts, fill=ink, width=int(1.6 * scale), joint="curve")
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).convert("RGB")
    img = Image.blend(img, noise, 0.06)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def svg_signature(strokes: list[list[tuple[float, float]]], kind: str, width_mm: float) -> str:
    """Inline SVG for HTML back ends: Bézier-smoothed paths or straight polylines."""
    parts = []
    for pts in strokes:
        if kind == "polyline" or len(pts) < 4:
            pp = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(
                f'<polyline points="{pp}" fill="none" stroke="#1a237e" stroke-width="1.4"/>'
            )
        else:
            d = f"M{pts[0][0]:.1f},{pts[0][1]:.1f} "
            for i in range(1, len(pts) - 2, 3):
                (x1, y1), (x2, y2), (x3, y3) = pts[i], pts[i + 1], pts[i + 2]
                d += f"C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f} "
            parts.append(f'<path d="{d}" fill="none" stroke="#0d1440" stroke-width="1.3"/>')
    h_mm = width_mm * SIG_H / SIG_W
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_mm}mm" height="{h_mm:.1f}mm" '
        f'viewBox="0 0 {SIG_W:.0f} {SIG_H:.0f}">{"".join(parts)}</svg>'
    )
