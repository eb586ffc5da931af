def backward_steps(*a, **k): raise NotImplementedError
class BackwardStep: pass
