"""Exact money and rates: yuan to integer fen, decimal rates to integer parts per million, half-up rounding."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

RATE_SCALE = 1_000_000  # rates are held as exact integers in parts per million
RATE_DECIMALS = 6
MAX_FEN = 10**15  # 10 trillion yuan: far above any claim, far below int64 overflow of rate × amount


def to_decimal(value: object) -> Decimal | None:
    """The exact decimal a user wrote, or None when it is not a plain number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # YAML floats are read as Decimal already; a float here came from code, whose repr is exact enough
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def yuan_to_fen(value: object) -> int | None:
    """Yuan with at most two decimals as integer fen; None when that is not what the value is."""
    amount = to_decimal(value)
    if amount is None or amount < 0:
        return None
    fen = amount * 100
    if fen != fen.to_integral_value() or fen > MAX_FEN:
        return None
    return int(fen)


def rate_to_ppm(value: object) -> int | None:
    """A rate in [0, 1] with at most six decimals as integer parts per million; None otherwise."""
    rate = to_decimal(value)
    if rate is None or rate < 0 or rate > 1:
        return None
    ppm = rate * RATE_SCALE
    if ppm != ppm.to_integral_value():
        return None
    return int(ppm)


def fen_to_yuan(fen: int) -> str:
    """'1234.50' for 123450 fen: exactly two decimals, no separators (spec §2)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan(fen: int) -> str:
    """'1,234.50' for reading: thousands separators, two decimals."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"
