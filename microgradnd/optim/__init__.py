"""Optimizers and learning-rate schedules (``torch.optim``): SGD, Adagrad, RMSprop, Adam, AdamW.

    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    opt.zero_grad(); loss.backward(); opt.step()

Each update follows PyTorch's documented algorithm term for term (see each class's docstring).
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
