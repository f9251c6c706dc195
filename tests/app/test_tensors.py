"""The tensor JSON forms: nested lists, base64 float16/float32/uint8, and client tensors."""

import pytest
import torch
from pydantic import TypeAdapter, ValidationError

from app.schemas.common import Tensor
from app.tensors import LIST_MAX_ELEMENTS, decode_tensor, encode_tensor


def test_small_tensors_travel_as_nested_lists():
    t = torch.tensor([[1.5, -2.0], [0.25, 3.0]])
    out = encode_tensor(t)
    assert out == {"shape": [2, 2], "data": [[1.5, -2.0], [0.25, 3.0]]}


def test_large_tensors_travel_as_float16_base64():
    t = torch.linspace(-100, 100, LIST_MAX_ELEMENTS + 1).reshape(1, -1)
    out = encode_tensor(t)
    assert (out["dtype"], out["encoding"], out["shape"]) == ("float16", "base64", [1, LIST_MAX_ELEMENTS + 1])
    torch.testing.assert_close(decode_tensor(out), t.half().float())


@pytest.mark.parametrize(("encoding", "dtype"), [("f32", "float32"), ("f16", "float16")])
def test_explicit_encodings(encoding: str, dtype: str):
    t = torch.randn(3, 4)
    out = encode_tensor(t, encoding)  # type: ignore[arg-type]
    assert out["dtype"] == dtype
    torch.testing.assert_close(decode_tensor(out), t.to(getattr(torch, dtype)).float())


def test_list_is_always_honoured():
    t = torch.zeros(LIST_MAX_ELEMENTS * 2)
    assert isinstance(encode_tensor(t, "list")["data"], list)


def test_pixels_travel_as_uint8():
    t = torch.arange(256, dtype=torch.uint8).repeat(20)
    out = encode_tensor(t)
    assert out["dtype"] == "uint8"
    torch.testing.assert_close(decode_tensor(out), t.float())


def test_client_tensors_accept_three_forms():
    adapter = TypeAdapter(Tensor)
    assert adapter.validate_python({"shape": [2], "data": [1, 2]}).to_torch().tolist() == [1.0, 2.0]
    assert adapter.validate_python([[1, 2], [3, 4]]).to_torch().shape == (2, 2)
    assert adapter.validate_python(0.5).to_torch().item() == 0.5


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([[1, 2], [3]], "rectangular"),
        ({"shape": [3], "data": [1, 2]}, "shape"),
        ([["a", 1]], "number"),
    ],
)
def test_bad_client_tensors(value: object, words: str):
    with pytest.raises(ValidationError, match=words):
        TypeAdapter(Tensor).validate_python(value)


def test_very_large_maps_travel_as_q8_within_half_a_step():
    t = torch.randn(2, 1024, 600) * 50
    out = encode_tensor(t)
    assert (out["dtype"], "scale" in out) == ("uint8", True)
    assert len(out["data"]) < 1.4 * t.numel()  # one byte a number, in base64
    assert (decode_tensor(out) - t).abs().max() <= out["scale"] / 2 + 1e-4


def test_q8_of_a_constant_tensor():
    out = encode_tensor(torch.full((3, 3), 7.0), "q8")
    torch.testing.assert_close(decode_tensor(out), torch.full((3, 3), 7.0))
