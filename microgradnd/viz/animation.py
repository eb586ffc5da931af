def backward_animation(*a, **k): raise NotImplementedError
