"""§4.3 update modes: the layout of a batch, and training both modes as a job."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator

from app.errors import Invalid
from app.schemas.common import EncodingOption, RequestModel, TensorOut, bounded_int

MAX_SAMPLES = 1024
MAX_SEQ_LEN = 60
MAX_BATCH = 256
MAX_EPOCHS = 10
MAX_HIDDEN = 64
# one-sample mode makes samples × epochs updates: this keeps a job well under a minute on 2 cores
MAX_ONE_SAMPLE_UPDATES = 2048


def _learning_rate(v: Any) -> Any:
    """A message that states the whole range (pydantic's own names only the bound crossed)."""
    if isinstance(v, int | float) and not isinstance(v, bool) and not 0 < v <= 1:
        raise Invalid("lr_range", v=v)
    return v


class TaskSpec(RequestModel):
    samples: bounded_int(16, MAX_SAMPLES) = Field(256, description=f"N, training sequences: 16–{MAX_SAMPLES}")
    seq_len: bounded_int(5, MAX_SEQ_LEN) = Field(20, description=f"T, steps per sequence: 5–{MAX_SEQ_LEN}")
    batch_size: bounded_int(1, MAX_BATCH) = Field(
        16, description=f"B, sequences per mini-batch: 1–{MAX_BATCH}"
    )
    seed: bounded_int(0, 2**31 - 1) = Field(
        0, description="draws the waves, the shuffle and the first weights"
    )


class LayoutRequest(TaskSpec, EncodingOption):
    """Which sample's step t sits where in a mini-batch tensor."""

    batch: bounded_int(0, MAX_SAMPLES - 1) = Field(
        0, description="which batch of the first epoch, 0-based: below ceil(N / B)"
    )


class LayoutResponse(BaseModel):
    samples: int
    seq_len: int
    batch_size: int
    seed: int
    batch: int
    batches: int = Field(description="ceil(N / B): batches, and so updates, per epoch")
    last_batch_size: int = Field(description="N − (batches − 1)·B: the last batch may be smaller")
    updates_per_epoch: dict[str, int] = Field(description='{"one": N, "mini": ceil(N / B)}')
    indices: list[int] = Field(description="the batch's samples (indices into the N), column by column")
    x: TensorOut = Field(
        description="(T, b, 1) the batch as torch.nn.RNN reads it (batch_first=False): "
        "x[t, j] = step t + 1 of sample indices[j]"
    )
    y: list[float] = Field(description="(b,) each sample's target: the noise-free value at step T + 1")


class BatchingParams(TaskSpec):
    """Train the same RNN on the same waves twice: one sample per update, then B per update."""

    epochs: bounded_int(1, MAX_EPOCHS) = Field(
        4,
        description=f"passes over the N sequences: 1–{MAX_EPOCHS}; "
        f"samples × epochs ≤ {MAX_ONE_SAMPLE_UPDATES:,}",
    )
    lr: Annotated[float, BeforeValidator(_learning_rate)] = Field(
        0.01, gt=0, le=1, description="Adam's learning rate, the same in both modes: 0 < lr ≤ 1"
    )
    hidden_size: bounded_int(1, MAX_HIDDEN) = Field(16, description=f"H, numbers in h_t: 1–{MAX_HIDDEN}")

    @field_validator("epochs")
    @classmethod
    def _budget(cls, v: int, info: ValidationInfo) -> int:
        n = info.data.get("samples")
        if n is not None and n * v > MAX_ONE_SAMPLE_UPDATES:
            raise Invalid(
                "one_sample_updates",
                most=MAX_ONE_SAMPLE_UPDATES,
                n=n,
                epochs=v,
                product=n * v,
                best=MAX_ONE_SAMPLE_UPDATES // n,
            )
        return v


class BatchingJobRequest(RequestModel):
    kind: Literal["batching"] = Field(
        description="train one sample per update, then one mini-batch per update"
    )
    params: BatchingParams = Field(default_factory=BatchingParams, description="what to train and how")
