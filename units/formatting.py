"""Numbers the Vietnamese way (6.311 and 100,2%), whatever the interface language.

Kept out of settings (USE_THOUSAND_SEPARATOR would also print years as 2.026).
"""

from decimal import ROUND_HALF_UP, Decimal


def vn_int(value):
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".")


def vn_decimal(value, places=1):
    if value is None or value == "":
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = vn_int(abs(int(whole)))
    return f"{sign}{whole},{fraction}" if fraction else f"{sign}{whole}"


def vn_percent(ratio, places=1):
    """`ratio` is a fraction (0.944 -> "94,4%"); None (no target) -> "—"."""
    if ratio is None:
        return "—"
    return f"{vn_decimal(Decimal(str(ratio)) * 100, places)}%"


def mask_citizen_id(value):
    """Only the last four digits: lists, histories and feeds are read over shoulders; the full number
    is shown only where units.permissions allows it (VIEW_CITIZEN_ID)."""
    return f"••••{str(value)[-4:]}" if value else ""


def ratio(part, whole):
    return None if not whole else part / whole
