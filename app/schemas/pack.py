"""§6 padding and PackedSequence: a batch of names as codes, padded, sorted and packed."""

from pydantic import BaseModel, Field

from app.schemas.common import RequestModel
from app.schemas.names import MAX_NAME, MAX_NAMES, Name


class PackRequest(RequestModel):
    names: list[Name] = Field(
        min_length=1, max_length=MAX_NAMES, description=f"1–{MAX_NAMES} names, each 1–{MAX_NAME} characters"
    )


class PackResponse(BaseModel):
    alphabet: str = Field(description="code c (1–29) stands for alphabet[c − 1]; 0 is padding")
    names: list[str] = Field(description="each name normalised: ASCII, lower case")
    codes: list[list[int]] = Field(description="each name's codes, in the order typed")
    lengths: list[int]
    padded: list[list[int]] = Field(description="(B, T_max): the codes, 0 after each name's end")
    order: list[int] = Field(description="sorted row i is padded row order[i], longest first")
    sorted_lengths: list[int]
    data: list[int] = Field(
        description="PackedSequence.data: the codes in the order the GRU reads them, time step by time step"
    )
    batch_sizes: list[int] = Field(description="PackedSequence.batch_sizes: names still running at step t")
    source: list[tuple[int, int]] = Field(description="(row in padded, time step) of each element of data")
