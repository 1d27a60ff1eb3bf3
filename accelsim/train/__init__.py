"""NumPy MobileNet training on CIFAR-10 and its ONNX export (the simulator's reference workload).

Modules in processing order: backend (numpy or cupy as `xp`), jit (numba kernels in _kernels
for NumPy arrays, when installed), layers, batchnorm and depthwise (forward and backward of every
layer), model (MobileNet(alpha, rho), Table 1), data with official and
imagefolder (loaders and the decoded cache), augment (batched crops and flips), optim (SGD,
RMSprop, schedules), checkpoint, metrics (CSV and curves), loop (epochs, time budget, resume),
export and finish (ONNX, onnxruntime check and test metrics). Heavy imports stay inside these
modules; importing the package is cheap.
"""
