"""Detection: find personal data in text. Pure core: no network, no transformation.

analyzer = Analyzer.default()            # validated patterns + the shipped NER model
for f in analyzer.analyze(text):         # offsets, label, score, detector; never values
    print(f.label, f.start, f.end, f.detector)
"""

from __future__ import annotations

from veil.detect._analyzer import Analyzer
from veil.detect._types import LABELS, Detector, Finding, Label

__all__ = ["LABELS", "Analyzer", "Detector", "Finding", "Label"]
