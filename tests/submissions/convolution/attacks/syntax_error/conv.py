def conv2d_forward(x, weight, bias=None, stride=1, padding=0:
    return x
