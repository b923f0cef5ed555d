"""The activations a DDE's hidden layers may use (TensorFlow-free, so that settings and the
command line can list them without importing TensorFlow).

Each is twice differentiable, so the Hessian ∇²f of the network exists everywhere.
"""

ACTIVATIONS = ("softplus", "tanh", "silu", "gelu", "sigmoid")
