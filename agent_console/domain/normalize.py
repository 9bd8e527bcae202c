"""One normalisation for everything that compares text: NFKC, case, punctuation to spaces."""

from __future__ import annotations

import re
import unicodedata

_PUNCT = re.compile(r"[\s\u3000\u0021-\u002f\u003a-\u0040\u005b-\u0060\u007b-\u007e"
                    r"\u2000-\u206f\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
                    r"\u00a0-\u00bf\u00d7\u00f7\u2190-\u21ff\u2500-\u25ff]+")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, punctuation runs → one space."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _PUNCT.sub(" ", text).strip()
