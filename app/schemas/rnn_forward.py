"""§4.1 the RNN forward pass: a sequence, one shared set of weights, every step."""

from typing import Literal

from pydantic import Field

from app.schemas.common import TensorOut
from app.schemas.rnn import RNNSpec, Unrolled
from engine.rnn.cell import OUTPUTS

Outputs = Literal[OUTPUTS]  # type: ignore[valid-type]


class ForwardRequest(RNNSpec):
    outputs: Outputs = Field("many_to_many", description="y_t at every step, or only y_T at the last")


class ForwardResponse(Unrolled):
    outputs: str
    y: TensorOut = Field(description="(T, O) W_hy · h_t + b_y; (1, O), the last step's, for many_to_one")
