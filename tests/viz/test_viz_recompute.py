"""The walker recomputes exactly what backward() computed, for every kind of op (so drawings, explain
and the stepper can be trusted on any graph), and it changes nothing."""
import numpy as np
import pytest

import microgradnd as mg
from microgradnd.viz.trace import BackwardWalk

nn, F = mg.nn, mg.nn.functional


def leaf(*shape, positive=False, seed=0):
    rng = np.random.default_rng(seed + sum(shape))
    data = rng.uniform(0.5, 1.5, shape) if positive else rng.normal(size=shape)
    return mg.tensor(data, dtype=mg.float64, requires_grad=True)


def case_elementwise():
    a, b = leaf(3, 4), leaf(4, positive=True, seed=1)
    return ((a * b - a / b) ** 2 + (b ** a.tanh()).exp().log() + a.abs().sqrt() + a.sin() * a.cos()).sum()


def case_activations():
    x = leaf(2, 5)
    return (x.sigmoid() + x.relu() + F.leaky_relu(x, 0.1) + F.elu(x) + F.softplus(x) + F.gelu(x)
            + F.silu(x) + x.clamp(-0.5, 0.5) + mg.maximum(x, x * 0.5) + mg.where(x > 0, x, x * x)).mean()


def case_reductions():
    x = leaf(3, 4)
    return (x.max(dim=1).values.sum() + x.logsumexp(dim=0).sum() + x.var(dim=1).sum() + x.std()
            + x.prod(dim=0).sum() + x.softmax(dim=-1)[:, 0].sum() + x.log_softmax(dim=0).mean() + x.amin())


def case_shapes():
    x, y = leaf(2, 3), leaf(3, 2)
    z = mg.cat([x, y.T], dim=0).reshape(3, 4).permute(1, 0)[1:, [0, 2]]
    return (z * mg.stack([x[0, :2], y[:2, 1]], dim=0).T.repeat(2, 1)[:3]).sum() + x.flip(0).unsqueeze(0).sum()


def case_matmul_batched():
    a, b, v = leaf(2, 3, 4), leaf(4, 5), leaf(5)
    return ((a @ b) @ v).pow(2).sum()


def case_mlp_cross_entropy():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3)).double()
    x = leaf(5, 4)
    return nn.CrossEntropyLoss()(model(x), mg.tensor([0, 2, 1, 1, 0]))


def case_cnn():
    mg.manual_seed(1)
    conv = nn.Conv2d(1, 2, 3, padding=1).double()
    bn = nn.BatchNorm2d(2).double()
    x = leaf(2, 1, 6, 6)
    y = F.max_pool2d(bn(conv(x)).relu(), 2)
    return F.avg_pool2d(y, 3).sum() + F.mse_loss(y, mg.zeros_like(y)) + F.binary_cross_entropy(
        y.flatten().sigmoid(), mg.ones(y.numel(), dtype=mg.float64))


def case_custom_function():
    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * grad

    x = leaf(4)
    return Cube.apply(x * 2).sum()


CASES = [case_elementwise, case_activations, case_reductions, case_shapes, case_matmul_batched,
         case_mlp_cross_entropy, case_cnn, case_custom_function]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_recomputed_gradients_equal_backward(case):
    loss = case()
    loss.backward()
    walk = BackwardWalk(loss).run()
    leaves = walk.graph.leaves
    checked = 0
    for t in leaves:
        if t.requires_grad:
            assert t.grad is not None
            np.testing.assert_allclose(walk.grad_of(t), t.grad.numpy(), rtol=1e-10, atol=1e-12)
            checked += 1
    assert checked >= 1
    steps = list(mg.autograd.backward_steps(loss))
    assert len(steps) == len(walk.graph.order)
    before = [t.grad.numpy().copy() for t in leaves if t.requires_grad]
    source = mg.draw_graph(loss, collapse_modules=True).source
    assert source.startswith("digraph") and "grad " in source
    after = [t.grad.numpy() for t in leaves if t.requires_grad]
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)


def test_local_derivatives_of_elementwise_ops():
    x = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64, requires_grad=True)
    for fn, derivative in [
        (lambda t: t.sigmoid(), lambda v: 1 / (1 + np.exp(-v)) * (1 - 1 / (1 + np.exp(-v)))),
        (lambda t: t.tanh(), lambda v: 1 - np.tanh(v) ** 2),
        (lambda t: t.exp(), np.exp),
        (lambda t: t * t, lambda v: v),  # each edge of x * x: d(out)/d(one operand) = the other
        (lambda t: t.relu(), lambda v: (v > 0).astype(float)),
    ]:
        y = fn(x)
        step = next(iter(mg.autograd.backward_steps(y, mg.ones_like(y))))
        np.testing.assert_allclose(step.inputs[0].local.numpy(), derivative(x.numpy() if not x.requires_grad
                                                                            else x.detach().numpy()))
