"""A sample module."""

import os
from collections import OrderedDict as OD


def helper(x: int) -> int:
    """Double a number.

    More text.
    """
    return x * 2


@dataclass
class Point(Base):
    """A point in the plane."""

    x: int = 0

    def norm(self) -> float:
        return (self.x**2) ** 0.5

    @staticmethod
    async def fetch(url: str) -> bytes:
        """Fetch a URL."""

        def inner() -> None:
            pass

        return b""


async def main() -> None:
    class Local:
        pass
