"""CIFAR-10 loaders (placeholder: constants only)."""

# Per-channel mean and std of the 50,000 training images of cifar10-jpeg.zip, pixels on 0..1.
DEFAULT_MEAN = (0.491250, 0.482090, 0.446521)
DEFAULT_STD = (0.245232, 0.242782, 0.260629)
