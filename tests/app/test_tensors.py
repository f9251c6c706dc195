"""The tensor forms: nested lists, base64 float16/float32/uint8/q8, the binary tail, client tensors."""

import json
import struct

import numpy as np
import pytest
import torch
from fastapi import HTTPException
from pydantic import TypeAdapter, ValidationError

from app.schemas.common import MAX_TENSOR_ELEMENTS, Tensor
from app.tensors import (
    LIST_MAX_ELEMENTS,
    answer_budget,
    binary_answer,
    decode_tensor,
    encode_tensor,
    frame,
    read_answer,
)


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
        ([[[1], [2]], [[3], [4, 5]]], "rectangular"),
        ({"shape": [3], "data": [1, 2]}, "shape"),
        ([["a", 1]], "numbers .it holds str"),
        ([True, 1.5], "bool"),
        ([1, None], "NoneType"),
        ({"x": 1}, "dict"),
        ([1, float("nan")], "finite"),
        ([1, 10**400], "finite"),
        ([1e7], "within"),
        ([0] * (MAX_TENSOR_ELEMENTS + 1), f"at most {MAX_TENSOR_ELEMENTS:,}"),
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


def test_binary_tensors_leave_their_bytes_in_the_tail_and_read_back_equal():
    t = torch.randn(3, 40, 50) * 100  # 6,000 numbers: float16
    big = torch.randn(2, 1024, 600) * 50  # q8
    with binary_answer() as tail:
        out = {"a": encode_tensor(t), "b": encode_tensor(big), "small": encode_tensor(t[0, 0, :3])}
        header = TypeAdapter(dict).dump_json(out)
    assert tail.size == 8 * ((6000 * 2 + 7) // 8) + len(big.flatten())
    body = b"".join(frame(header, tail))
    (n,) = struct.unpack_from("<Q", body)
    refs = [v["data"] for v in json.loads(body[8 : 8 + n]).values() if v.get("encoding") == "binary"]
    assert (8 + n) % 8 == 0 and [r["start"] % 8 for r in refs] == [0, 0]  # typed arrays view them in place
    answer = read_answer(body)
    assert answer["a"]["encoding"] == "binary" and answer["b"]["dtype"] == "uint8" and "scale" in answer["b"]
    assert answer["small"]["data"] == t[0, 0, :3].tolist()  # small ones stay nested lists
    json_form = {k: encode_tensor(v) for k, v in (("a", t), ("b", big))}
    for k in ("a", "b"):
        torch.testing.assert_close(decode_tensor(answer[k]), decode_tensor(json_form[k]), rtol=0, atol=0)


def test_a_binary_tensor_written_outside_its_answer_goes_as_base64():
    """A tensor encoded during a binary answer and kept (an lru_cache'd report) must be written right
    for a later JSON client, and into the later answer's own tail for a binary one."""
    t = torch.linspace(0, 1, 5000)
    with binary_answer():
        kept = encode_tensor(t)
    as_json = TypeAdapter(dict).dump_python({"x": kept}, mode="json")["x"]
    assert as_json["encoding"] == "base64"
    torch.testing.assert_close(decode_tensor(as_json), t.half().float())
    with binary_answer() as later:
        header = TypeAdapter(dict).dump_json({"x": kept, "y": kept})
    assert later.size == 10_000  # written once, referred to twice
    answer = read_answer(b"".join(frame(header, later)))
    assert answer["x"]["data"] == answer["y"]["data"]
    torch.testing.assert_close(decode_tensor(answer["x"]), t.half().float())


def test_tensors_that_fit_no_binary_form_are_unchanged_by_it():
    with binary_answer() as tail:
        assert encode_tensor(torch.ones(3), "list") == {"shape": [3], "data": [1.0, 1.0, 1.0]}
    assert tail.size == 0


def test_client_tensors_keep_typed_numbers_exactly_and_are_not_shared():
    t = TypeAdapter(Tensor).validate_python([[0.1, 2], [3, -4.5]])
    assert t.data.dtype == np.float64 and t.data[0, 0] == 0.1  # float64: 0.1 stays what was typed
    x = t.to_torch()
    assert x.dtype == torch.float32
    x += 1  # the caller's own tensor
    assert t.to_torch()[0, 1].item() == 2.0


def test_an_answer_of_lists_past_the_budget_is_a_422_naming_encoding():
    big = torch.zeros(1000, 1000)  # 10⁶ numbers ≈ 20 MB as lists
    with answer_budget(32 << 20):
        encode_tensor(big, "list")
        with pytest.raises(HTTPException) as e:
            encode_tensor(big, "list")  # the second one passes the budget of the whole answer
    assert e.value.status_code == 422
    (error,) = e.value.detail
    assert error["loc"] == ["body", "encoding"]
    assert '"q8"' in error["msg"] and '"f16"' in error["msg"] and "40 MB" in error["msg"]
    with answer_budget(32 << 20):
        for _ in range(8):  # compact forms of the same: 8 × 2.7 MB
            encode_tensor(big, "q8")


def test_without_a_budget_one_tensor_is_checked_alone():
    with pytest.raises(HTTPException):
        encode_tensor(torch.zeros(2000, 1000), "list")  # 2·10⁶ numbers ≈ 40 MB
    encode_tensor(torch.zeros(1000, 1000), "list")
    encode_tensor(torch.zeros(1000, 1000), "list")  # each alone is within the default
