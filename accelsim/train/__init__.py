"""NumPy MobileNet training on CIFAR-10 and its ONNX export (the simulator's reference workload).

Modules in processing order: backend (numpy or cupy as `xp`), layers (forward/backward),
model (MobileNet(alpha, rho)), data (loaders, cache), augment (batched crops/flips), optim
(SGD, RMSprop, schedules), loop (epochs, checkpoints, metrics), export (ONNX + onnxruntime check),
plots (curves). Heavy imports stay inside these modules; importing the package is cheap.
"""
