"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their cells, with PyTorch's parameters and semantics.

Each layer and direction projects the whole input sequence with one matrix product, then steps through
time (the recurrence is sequential by nature) with one (N, H) @ (H, G·H) product per step:

    RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                  (or relu)
    LSTM: i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh);  c' = f·c + i·g;  h' = o·tanh(c')
    GRU:  r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(…);  n = tanh(W_in x + b_in + r·(W_hn h + b_hn));
          h' = (1 - z)·n + z·h

Parameter names, shapes, gate order and the U(-1/√hidden, 1/√hidden) initialisation are PyTorch's, so
state dicts load across.
"""
from __future__ import annotations

import math

import numpy as np

from .. import dtypes as _dt
from .. import ops as _ops
from ..creation import empty
from ..ops.activation import relu, sigmoid, tanh
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell_step(mode, gx, h, c, w_hh, b_hh):
    """One time step given the input projection ``gx`` (N, G·H); returns (h', c')."""
    gh = _ops.matmul(h, w_hh.t())
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "LSTM":
        i, f, g, o = _ops.chunk(gx + gh, 4, dim=-1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        return sigmoid(o) * tanh(c), c
    if mode == "GRU":
        xr, xz, xn = _ops.chunk(gx, 3, dim=-1)
        hr, hz, hn = _ops.chunk(gh, 3, dim=-1)
        r, z = sigmoid(xr + hr), sigmoid(xz + hz)
        n = tanh(xn + r * hn)
        return (1.0 - z) * n + z * h, None
    pre = gx + gh
    return (tanh(pre) if mode == "RNN_TANH" else relu(pre)), None


class RNNBase(Module):
    """Shared body of RNN / LSTM / GRU (``torch.nn.RNNBase``)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size:
            raise NotImplementedError("proj_size is not supported")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if hidden_size <= 0 or num_layers <= 0:
            raise ValueError("hidden_size and num_layers must be greater than zero")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        gate = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(dirs):
                size_in = input_size if layer == 0 else hidden_size * dirs
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = ["weight_ih" + suffix, "weight_hh" + suffix]
                shapes = [(gate, size_in), (gate, hidden_size)]
                if bias:
                    names += ["bias_ih" + suffix, "bias_hh" + suffix]
                    shapes += [(gate,), (gate,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(empty(shape, dtype=dtype)))
                self._flat_weights_names.extend(names)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = self._parameters.get
        return get("weight_ih" + suffix), get("weight_hh" + suffix), get("bias_ih" + suffix), get("bias_hh" + suffix)

    def forward(self, input, hx=None):
        mode = self.mode
        unbatched = input.ndim == 2
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)
        seq_len, batch = x.shape[:2]
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]}")
        dirs = 2 if self.bidirectional else 1
        h0, c0 = self._initial_state(hx, batch, dirs, unbatched, x.dtype)
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(dirs):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                # the whole sequence's input projection in one product: (L·N, in) -> (L, N, G·H)
                gx = F.linear(layer_input.reshape(seq_len * batch, -1), w_ih, b_ih).reshape(seq_len, batch, -1)
                k = layer * dirs + direction
                h, c = h0[k], (c0[k] if c0 is not None else None)
                steps = range(seq_len - 1, -1, -1) if direction else range(seq_len)
                out = [None] * seq_len
                for t in steps:
                    h, c = _cell_step(mode, gx[t], h, c, w_hh, b_hh)
                    out[t] = h
                outputs.append(_ops.stack(out, 0))
                h_n.append(h)
                c_n.append(c)
            layer_input = outputs[0] if dirs == 1 else _ops.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        h_n = _ops.stack(h_n, 0)
        c_n = _ops.stack(c_n, 0) if mode == "LSTM" else None
        if unbatched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if mode == "LSTM" else (output, h_n)

    def _initial_state(self, hx, batch, dirs, unbatched, dtype):
        shape = (self.num_layers * dirs, batch, self.hidden_size)
        if hx is None:
            zeros = _ops.constant(np.zeros(shape, dtype=dtype))
            return zeros, (zeros if self.mode == "LSTM" else None)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM: hx must be a tuple (h_0, c_0)")
            h0, c0 = hx
        else:
            h0, c0 = hx, None
        if unbatched:
            h0 = h0.unsqueeze(1)
            c0 = c0.unsqueeze(1) if c0 is not None else None
        for name, t in (("hidden", h0), ("cell", c0)):
            if t is not None and tuple(t.shape) != shape:
                raise RuntimeError(f"Expected {name} size {shape}, got {tuple(t.shape)}")
        return h0, c0

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN with tanh or relu (``torch.nn.RNN``); returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, dtype=dtype)

    def __setattr__(self, name, value):
        if name == "nonlinearity" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)  # set before Module.__init__, like PyTorch's RNN
            return
        super().__setattr__(name, value)


class LSTM(RNNBase):
    """Long short-term memory (``torch.nn.LSTM``); returns (output, (h_n, c_n)); gate order i, f, g, o."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (``torch.nn.GRU``); returns (output, h_n); gate order r, z, n."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class _CellBase(Module):
    _mode = None

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        gate = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(empty((gate, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((gate, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty((gate,), dtype=dtype))
            self.bias_hh = Parameter(empty((gate,), dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _step(self, input, hx):
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        if self._mode == "LSTM":
            h, c = hx if hx is not None else (None, None)
        else:
            h, c = hx, None
        zeros = _ops.constant(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        h = zeros if h is None else (h.unsqueeze(0) if unbatched else h)
        if self._mode == "LSTM":
            c = zeros if c is None else (c.unsqueeze(0) if unbatched else c)
        gx = F.linear(x, self.weight_ih, self.bias_ih)
        h, c = _cell_step(self._mode, gx, h, c, self.weight_hh, self.bias_hh)
        if unbatched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return (h, c) if self._mode == "LSTM" else h

    def forward(self, input, hx=None):
        return self._step(input, hx)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s


class RNNCell(_CellBase):
    """One Elman step h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (``torch.nn.RNNCell``)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, dtype=dtype)
        self.nonlinearity = nonlinearity

    def __setattr__(self, name, value):
        if name == "_mode" and "_parameters" not in self.__dict__:
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def extra_repr(self):
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity}" if self.nonlinearity != "tanh" else "")


class LSTMCell(_CellBase):
    """One LSTM step; returns (h', c') (``torch.nn.LSTMCell``)."""

    _mode = "LSTM"


class GRUCell(_CellBase):
    """One GRU step (``torch.nn.GRUCell``)."""

    _mode = "GRU"
