"""The lessons in course order (docs/ARCHITECTURE.md maps each to its files). A lesson is linked once
its page is built."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    section: str  # the seed's section number, e.g. "1.2"
    path: str  # URL path, e.g. "/cnn/convolution"
    built: bool

    @property
    def key(self) -> str:
        """Catalog and template key: "/cnn/convolution" → "cnn.convolution"."""
        return self.path.strip("/").replace("/", ".").replace("-", "_")

    @property
    def name(self) -> str:
        """Route name for url_for: "page_cnn_convolution" (never the name of an API route)."""
        return "page_" + self.key.replace(".", "_")

    @property
    def part(self) -> str:
        return self.path.split("/")[1]


LESSONS: tuple[Lesson, ...] = (
    Lesson("1.1", "/cnn/input", True),
    Lesson("1.2", "/cnn/convolution", True),
    Lesson("1.3", "/cnn/pooling", True),
    Lesson("1.4", "/cnn/activation", True),
    Lesson("1.5", "/cnn/fully-connected", True),
    Lesson("2.1", "/cnn/inception", True),
    Lesson("2.2", "/cnn/bottleneck", True),
    Lesson("2.3", "/cnn/vanishing-gradients", True),
    Lesson("3", "/cnn/practice", True),
    Lesson("3+", "/cnn/your-classes", True),  # beyond the course: §3's net on classes you make
    Lesson("4–4.1", "/rnn/forward", True),
    Lesson("4.2", "/rnn/bptt", True),
    Lesson("4.3", "/rnn/batching", True),
    Lesson("5.1–5.2", "/rnn/bidirectional", True),
    Lesson("5.3", "/rnn/gru", True),
    Lesson("6", "/rnn/practice", True),
)


def neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The previous and next lessons in course order."""
    i = LESSONS.index(lesson)
    return (LESSONS[i - 1] if i > 0 else None, LESSONS[i + 1] if i + 1 < len(LESSONS) else None)
