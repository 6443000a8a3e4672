"""QR codes of public addresses (a verification page, a profile), drawn once per address.

Encoding a QR code (finding the best mask) takes tens of milliseconds, about a tenth of a
profile page, and the same address always gives the same picture: each process keeps the
last few hundred it drew. Only public addresses go through here; a credential offer's code,
which carries a secret, is drawn each time (``credentials/holder.py``).
"""

from functools import lru_cache

import segno


@lru_cache(maxsize=512)
def public_qr_svg(address: str, *, scale: int) -> str:
    """The inline SVG of ``address`` as a QR code (error correction M)."""
    return str(segno.make(address, error="m").svg_inline(scale=scale))
