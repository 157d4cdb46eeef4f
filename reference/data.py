"""The data of Jeremy Howard's graddesc workbook: 29 points on y = 2x + 30.

The x values are the ones stored on every optimizer sheet (basic!A4:A32 and
the same cells of momentum, rmsprop, adam and adam_ann); y is computed as the
workbook's data sheet does, ``=$C$1+B5*$C$2`` with b = 30 and a = 2.
"""

GRADDESC_X: tuple[float, ...] = (
    14.0, 86.0, 28.0, 51.0, 28.0, 29.0, 72.0, 62.0, 84.0, 15.0, 42.0, 62.0, 47.0, 35.0, 9.0,
    38.0, 44.0, 99.0, 13.0, 21.0, 28.0, 20.0, 8.0, 64.0, 99.0, 70.0, 27.0, 17.0, 8.0,
)
TRUE_A = 2.0
TRUE_B = 30.0
GRADDESC_Y: tuple[float, ...] = tuple(TRUE_B + x * TRUE_A for x in GRADDESC_X)
