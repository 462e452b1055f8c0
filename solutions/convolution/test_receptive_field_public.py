"""Public tests for receptive_field.py: run `pytest` in this folder."""
import json
from pathlib import Path

import pytest
from _checks import check
from receptive_field import conv_output_size, receptive_field

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())


@pytest.mark.parametrize("args, expected", DATA["output_size"], ids=str)
def test_conv_output_size(args, expected):
    check(conv_output_size(*args), expected, f"conv_output_size{tuple(args)}",
          hint="floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1, as an int")


@pytest.mark.parametrize("args", DATA["output_size_errors"], ids=str)
def test_conv_output_size_rejects(args):
    with pytest.raises(ValueError):
        conv_output_size(*args)


@pytest.mark.parametrize("layers, expected", DATA["receptive_field"], ids=str)
def test_receptive_field(layers, expected):
    check(receptive_field([tuple(layer) for layer in layers]), expected, f"receptive_field({layers})",
          hint="each layer adds dilation*(kernel-1) times the product of the strides before it")
