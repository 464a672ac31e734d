"""Confidence intervals for proportions and their difference, pure functions (tested against the worked
examples of Newcombe 1998).

- ``wilson``: the Wilson score interval for one proportion, without continuity correction (Newcombe 1998a,
  "Two-sided confidence intervals for the single proportion", method 3).
- ``newcombe_difference``: the hybrid score interval for p1 − p2 of two independent proportions (Newcombe
  1998b, "Interval estimation for the difference between independent proportions", method 10): each
  proportion's Wilson interval, combined as the square root of the sum of the squared distances.

Both behave at 0 and at n (no zero-width interval at 0/10, unlike the Wald interval), which matters for
small departments.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054   # the 97.5th percentile of the standard normal distribution


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (lower, upper) for ``successes`` of ``n``; (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    denominator = 1 + z2 / n
    lower = (centre - spread) / denominator
    upper = (centre + spread) / denominator
    # The exact ends at 0 and n (rounding would otherwise leave 1e-17 below them).
    return (0.0 if successes == 0 else max(lower, 0.0)), (1.0 if successes == n else min(upper, 1.0))


@dataclass(frozen=True)
class Difference:
    """p1 − p2 with its 95 % interval (proportions, not percentage points)."""

    p1: float
    p2: float
    lower: float
    upper: float

    @property
    def estimate(self) -> float:
        return self.p1 - self.p2

    @property
    def excludes_zero(self) -> bool:
        return self.lower > 0 or self.upper < 0


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Difference:
    """Newcombe's hybrid score interval for x1/n1 − x2/n2 (both n must be positive)."""
    if n1 <= 0 or n2 <= 0:
        raise ValueError("both groups need at least one observation")
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    below = math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    above = math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(p1, p2, max(d - below, -1.0), min(d + above, 1.0))
