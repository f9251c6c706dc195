"""The overview's stages of the shipped name model, against nn.GRU and the model's own forward pass."""

import pytest
import torch
from torch.testing import assert_close

from engine.data.names import BadName
from engine.models.name_stages import read_name
from engine.models.names import load_pretrained, predict

NET = load_pretrained()


@pytest.mark.parametrize("raw", ["Nakamura", "O'Brien", "Dvořák", "Li"])
def test_stages_equal_the_models_own_forward_pass(raw: str):
    r = read_name(NET, raw)
    codes = torch.tensor([r.codes])
    with torch.no_grad():
        trace = NET.forward_trace(codes)
        emb = NET.embedding(codes)[0]
        out, h_n = NET.gru(emb[None])  # torch's own GRU over the whole name
    T = len(r.codes)
    assert r.states.shape == (2, 2, T, 128) and r.embedded.shape == (T, 32)
    assert_close(r.embedded, emb)
    assert_close(r.states[1].permute(1, 0, 2).reshape(T, 256), out[0], atol=1e-5, rtol=1e-5)
    assert_close(r.states[0, 0, -1], h_n[0, 0], atol=1e-5, rtol=1e-5)  # layer 0 forward: last letter
    assert_close(r.states[0, 1, 0], h_n[1, 0], atol=1e-5, rtol=1e-5)  # layer 0 backward: first letter
    assert_close(r.hidden, trace["hidden"][0], atol=1e-5, rtol=1e-5)
    text, codes_p, probs = predict(NET, raw)
    assert r.name == text and r.codes == codes_p
    assert_close(r.probabilities, probs, atol=1e-6, rtol=1e-5)


def test_a_name_without_letters_is_refused():
    with pytest.raises(BadName):
        read_name(NET, "🙂")
    with pytest.raises(BadName):
        read_name(NET, "   ")
