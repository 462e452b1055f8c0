"""Case tables and input builders shared by the hidden cnn tests (trusted side only).

Pooling inputs come in three kinds: "ties" (a ReLU of rounded values: many zeros and repeated values, so that
the first-maximum rule and the routing of gradients on ties matter), "negative" (every value below 0, so that
padding with zeros instead of -inf, or counting it in an average, shows) and "gaussian" (float32).
"""
import torch

DTYPES = [torch.float32, torch.float64]

# (N, C, H, W), kernel_size, stride, padding: non-overlapping and overlapping windows, non-square kernels and
# strides, strides with a remainder, stride larger than the kernel, padding at exactly half the kernel
POOL_CASES = [
    ((2, 3, 6, 6), 2, None, 0),             # non-overlapping, the default stride
    ((1, 2, 7, 5), 3, 2, 1),                # overlapping with padding, a remainder in W
    ((2, 1, 5, 7), (3, 2), (2, 1), (1, 1)), # non-square kernel and stride; PW = KW / 2 exactly
    ((1, 1, 4, 4), 3, 1, 1),                # stride 1: every input in up to 9 windows
    ((2, 2, 9, 8), (2, 3), (3, 2), (1, 0)), # stride larger than the kernel in H: rows no window sees
    ((1, 3, 5, 5), 1, 1, 0),                # 1x1 kernel: the identity
    ((3, 1, 3, 8), (3, 4), None, (0, 2)),   # the window spans all of H; PW = KW / 2; the default stride
    ((1, 2, 9, 9), 3, 3, 1),                # a remainder of 2 of stride 3 in both axes: the size rounds down
]
# (kind, dtype) of the inputs of each pooling test
POOL_KINDS = [("ties", torch.float64), ("negative", torch.float64), ("gaussian", torch.float32)]
# padding above half the kernel: (kernel_size, padding)
POOL_BAD_PADDING = [(3, 2), ((3, 3), (0, 2)), ((1, 3), (1, 0)), (2, (2, 1))]

# (N, C_in, H, W), (C_out, KH, KW), stride, padding, output_padding, bias
CT_CASES = [
    ((2, 3, 4, 5), (2, 3, 3), 1, 0, 0, True),                # stride 1: the full correlation
    ((1, 2, 3, 4), (3, 3, 3), 2, 1, 1, True),                # the usual x2 decoder layer
    ((2, 1, 3, 3), (2, 4, 4), 2, 1, 0, False),               # 4x4 kernel, stride 2 (DCGAN), no bias
    ((1, 3, 2, 5), (1, 3, 2), (3, 2), (1, 0), (2, 1), True), # non-square; output_padding = stride - 1
    ((2, 2, 5, 3), (4, 1, 1), 1, 0, 0, True),                # 1x1 kernel
    ((1, 1, 1, 1), (2, 3, 3), 2, 0, 1, True),                # a single input pixel
    ((2, 2, 4, 3), (3, 3, 2), (2, 3), (2, 1), (0, 2), False),# padding and output padding differ per axis
    ((1, 2, 3, 3), (2, 2, 2), 2, 0, 1, True),                # output_padding beyond the cropped canvas
]
# output_padding not smaller than stride: (stride, output_padding)
CT_BAD = [(1, 1), ((3, 2), (0, 2)), (2, (3, 0)), ((2, 3), (2, 0)), ((2, 2), (1, 2))]

# (N, C, H, W), scale_factor
NEAREST_CASES = [((2, 3, 4, 5), 1), ((1, 2, 3, 3), 2), ((2, 1, 2, 5), 3), ((1, 1, 1, 1), 4)]

# (N, C, H, W), (H_out, W_out): up, down, the same size, size-1 input and output axes, up in one axis and down
# in the other
BILINEAR_CASES = [
    ((2, 2, 3, 4), (7, 9)),
    ((1, 3, 8, 6), (3, 4)),
    ((2, 1, 4, 4), (4, 4)),
    ((1, 2, 1, 5), (3, 1)),
    ((1, 1, 5, 3), (2, 11)),
    ((2, 2, 6, 7), (13, 5)),
]

# in_channels, out_channels, stride, (N, H, W)
BLOCK_CASES = [
    (4, 4, 1, (2, 6, 6)),  # the identity shortcut
    (3, 5, 1, (2, 5, 7)),  # more channels: a projection with stride 1
    (4, 4, 2, (3, 7, 6)),  # stride 2, the same channels: still a projection
    (2, 6, 2, (2, 8, 5)),  # stride 2 and more channels
    (1, 1, 1, (1, 3, 4)),  # one channel, batch size 1
]
# in_channels, out_channels, kernel_size, stride, padding, bias
SEPARABLE_CASES = [
    (3, 5, 3, 1, 1, True),
    (4, 2, 5, 2, 2, False),
    (2, 6, 1, 1, 0, True),
    (3, 3, 3, 2, 0, False),
]


def pool_id(case) -> str:
    shape, kernel, stride, padding = case
    return f"x{shape}-k{kernel}-s{stride}-p{padding}".replace(" ", "")


def pool_x(shape, kind, dtype, gen):
    x = torch.randn(*shape, generator=gen, dtype=torch.float64)
    if kind == "ties":
        x = torch.relu(2 * x).round()  # zeros and small integers: ties everywhere
    elif kind == "negative":
        x = -0.5 - x.abs()  # below zero everywhere
    return x.to(dtype)


def pool_out_size(shape, kernel, stride, padding):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (kh, kw), (ph, pw) = pair(kernel), pair(padding)
    sh, sw = (kh, kw) if stride is None else pair(stride)
    return (shape[2] + 2 * ph - kh) // sh + 1, (shape[3] + 2 * pw - kw) // sw + 1


def pool_inputs(case, kind, dtype, seed):
    """x and grad_out for one pooling case."""
    shape, kernel, stride, padding = case
    gen = torch.Generator().manual_seed(seed)
    x = pool_x(shape, kind, dtype, gen)
    h_out, w_out = pool_out_size(shape, kernel, stride, padding)
    grad_out = torch.randn(shape[0], shape[1], h_out, w_out, generator=gen, dtype=torch.float64).to(dtype)
    return {"x": x, "grad_out": grad_out, "kernel_size": kernel, "stride": stride, "padding": padding}


def ct_id(case) -> str:
    x, w, stride, padding, output_padding, bias = case
    text = f"x{x}-w{w}-s{stride}-p{padding}-op{output_padding}" + ("" if bias else "-nobias")
    return text.replace(" ", "")


def ct_inputs(case, dtype, seed):
    """x, weight (C_in, C_out, KH, KW), bias and grad_out for one transposed-convolution case."""
    (n, c_in, h, w), (c_out, kh, kw), stride, padding, output_padding, with_bias = case
    gen = torch.Generator().manual_seed(seed)
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (sh, sw), (ph, pw), (oph, opw) = pair(stride), pair(padding), pair(output_padding)
    h_out, w_out = (h - 1) * sh - 2 * ph + kh + oph, (w - 1) * sw - 2 * pw + kw + opw
    rand = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64).to(dtype)  # noqa: E731
    return {"x": rand(n, c_in, h, w), "weight": rand(c_in, c_out, kh, kw),
            "bias": rand(c_out) if with_bias else None, "stride": stride, "padding": padding,
            "output_padding": output_padding, "grad_out": rand(n, c_out, h_out, w_out)}


def block_state(in_channels, out_channels, stride, dtype, gen):
    """A random state_dict with torchvision BasicBlock's keys: weights, BN affine and running statistics."""
    rand = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64).to(dtype)  # noqa: E731
    state = {}

    def conv(name, c_in, c_out, k):
        state[f"{name}.weight"] = rand(c_out, c_in, k, k) / (c_in * k * k) ** 0.5

    def bn(name, c):
        state[f"{name}.weight"] = 1 + 0.3 * rand(c)
        state[f"{name}.bias"] = 0.3 * rand(c)
        state[f"{name}.running_mean"] = 0.2 * rand(c)
        state[f"{name}.running_var"] = 0.5 + torch.rand(c, generator=gen, dtype=torch.float64).to(dtype)
        state[f"{name}.num_batches_tracked"] = torch.tensor(3)

    conv("conv1", in_channels, out_channels, 3)
    bn("bn1", out_channels)
    conv("conv2", out_channels, out_channels, 3)
    bn("bn2", out_channels)
    if stride != 1 or in_channels != out_channels:
        conv("downsample.0", in_channels, out_channels, 1)
        bn("downsample.1", out_channels)
    return state
