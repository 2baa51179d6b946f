#!/usr/bin/env python3
"""PyTorch eager peer of RnnSharp's benchmark (bench/RnnSharp.Bench): the same models as S1-S7, the same sizes,
Keras-equivalent optimizer and loss, timed the same way (warm-up runs, then timed repetitions within a time budget,
the median; each run ends with the GPU's queued work).

    python3 bench/pytorch/bench.py [--device cuda] [--quick] [--cases S1,S7] [--reps N] [--warmup N] [--out DIR]

Writes DIR/results.json (default bench-results/pytorch), which bench/pytorch/compare.py sets beside RnnSharp's
bench-results/results.json. Models (docs/benchmarks.md):
  S1 Embedding(20000,128)+LSTM(128)+Dense(1,sigmoid)    S2 the same with two stacked LSTM(128)
  S3 GRU(128) (Keras reset_after=True = torch's GRU)    S4 SimpleRNN(128) (tanh nn.RNN)
  S5 Bidirectional(LSTM(64)): forward's last step beside backward's (h_n of a bidirectional nn.LSTM)
  S6 one LSTM(512)/LSTM(1024) layer, input = units, T=100: forward (no grad) and forward+backward
  S7 Embedding(maskZero)+LSTM(128)+Dense(1), lengths U[10,200] right-padded to 200: packed sequences
Training: Keras 2's Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7) as torch.optim.Adam with eps=1e-7 (PyTorch
puts epsilon after the bias correction, Keras before it: the same work per step); Keras's binary_crossentropy on
probabilities (clip to [1e-7, 1-1e-7], then BCE); accuracy on the device, read once per epoch; a fresh permutation per
epoch. One run = one epoch over BatchesPerRun batches (Fit) or one batched no_grad forward over them (Predict).
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn

VOCABULARY, EMBEDDING = 20000, 128
SPECS = {  # case: (title, cell, units, layers, bidirectional), as ClassifierCases.Specs
    "S1": ("Embedding+LSTM(128)+Dense(1)", "lstm", 128, 1, False),
    "S2": ("Embedding+2×LSTM(128)+Dense(1)", "lstm", 128, 2, False),
    "S3": ("Embedding+GRU(128)+Dense(1)", "gru", 128, 1, False),
    "S4": ("Embedding+SimpleRNN(128)+Dense(1)", "simple_rnn", 128, 1, False),
    "S5": ("Embedding+Bidirectional(LSTM(64))+Dense(1)", "lstm", 64, 1, True),
}
ALL_CASES = ["S1", "S2", "S3", "S4", "S5", "S6", "S7"]


def sizes(quick):
    """BenchContext.Sizes (Full / Quick)."""
    if quick:
        return dict(lengths=[80], batches=[64, 256], other_batches=[128], batches_per_run=2,
                    layer_units=[512], layer_batches=[64], layer_steps=100, masked_batches=[64], masked_steps=200)
    return dict(lengths=[80, 200], batches=[64, 128, 256], other_batches=[64, 128, 256], batches_per_run=3,
                layer_units=[512, 1024], layer_batches=[64, 256], layer_steps=100, masked_batches=[64, 256], masked_steps=200)


def recurrent(cell, inp, units, bidirectional=False):
    kind = {"lstm": nn.LSTM, "gru": nn.GRU, "simple_rnn": nn.RNN}[cell]
    return kind(inp, units, batch_first=True, bidirectional=bidirectional)


class Classifier(nn.Module):
    """Embedding + recurrent layer(s) + Dense(1, sigmoid); packed sequences when masked (S7)."""

    def __init__(self, cell, units, layers, bidirectional, masked=False):
        super().__init__()
        self.masked = masked
        self.embedding = nn.Embedding(VOCABULARY, EMBEDDING)
        self.rnns = nn.ModuleList()
        inp = EMBEDDING
        for _ in range(layers):
            self.rnns.append(recurrent(cell, inp, units, bidirectional))
            inp = units * (2 if bidirectional else 1)
        self.dense = nn.Linear(inp, 1)

    def forward(self, x):
        h = self.embedding(x)
        if self.masked:
            lengths = (x != 0).sum(1).cpu()  # pack_padded_sequence wants lengths on the CPU
            h = nn.utils.rnn.pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
        for i, rnn in enumerate(self.rnns):
            out, state = rnn(h)
            if i < len(self.rnns) - 1:
                h = out
        hn = state[0] if isinstance(state, tuple) else state  # (directions, batch, units)
        last = torch.cat([hn[0], hn[1]], 1) if hn.shape[0] == 2 else hn[-1]
        return torch.sigmoid(self.dense(last))


def keras_bce(p, y):
    return nn.functional.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), y)


def fit_epoch(model, opt, x, y, batch):
    model.train()
    n = x.shape[0]
    order = torch.randperm(n, device=x.device)
    loss_sum = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device)
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        p = model(xb)
        loss = keras_bce(p, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            loss_sum += loss.detach() * xb.shape[0]
            correct += ((p.detach() > 0.5).float() == yb).sum()
    return loss_sum.item() / n, correct.item() / n


@torch.no_grad()
def predict(model, x, batch):
    model.eval()
    return torch.cat([model(x[s:s + batch]) for s in range(0, x.shape[0], batch)], 0)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(run, items, device, warmup, reps, budget):
    """Median, min and max throughput (items/s) over reps runs after warm-up; fewer reps where the budget says so."""
    last = 0.0
    for _ in range(warmup):
        t = time.perf_counter(); run(); sync(device); last = time.perf_counter() - t
    if last > 0:
        reps = int(max(min(reps, math.floor(budget / last)), min(reps, 3)))
    seconds = []
    for _ in range(reps):
        t = time.perf_counter(); run(); sync(device); seconds.append(time.perf_counter() - t)
    rates = [items / s for s in seconds]
    return dict(median=statistics.median(rates), min=min(rates), max=max(rates), runs=len(rates))


def data(n, steps, device):
    x = torch.randint(1, VOCABULARY, (n, steps), device=device)
    y = torch.randint(0, 2, (n, 1), device=device).float()
    return x, y


def padded(n, steps, device):
    lengths = torch.randint(10, min(200, steps) + 1, (n, 1), device=device)
    tokens = torch.randint(1, VOCABULARY, (n, steps), device=device)
    return tokens * (torch.arange(steps, device=device).unsqueeze(0) < lengths)


def row(case, config, measure_name, unit, result, note=None):
    return dict(case=case, config=config, measure=measure_name, unit=unit, note=note, **result)


def classifier_case(case, sz, device, plan, rows, log, masked=False):
    title, cell, units, layers, bi = SPECS["S1"] if masked else SPECS[case]
    if masked:
        title = "masked " + title
    lengths = [sz["masked_steps"]] if masked else sz["lengths"]
    batches = sz["masked_batches"] if masked else (sz["batches"] if case == "S1" else sz["other_batches"])
    for steps in lengths:
        for batch in batches:
            config = f"{title} T{'≤' if masked else '='}{steps} B={batch}"
            log(f"{case} {config} ...")
            torch.manual_seed(1234)
            model = Classifier(cell, units, layers, bi, masked=masked).to(device)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
            n = batch * sz["batches_per_run"]
            if masked:
                x, xp = padded(n, steps, device), padded(n, steps, device)
                y = torch.randint(0, 2, (n, 1), device=device).float()
            else:
                x, y = data(n, steps, device)
                xp, _ = data(n, steps, device)
            train = measure(lambda: fit_epoch(model, opt, x, y, batch), n, device, *plan)
            rows.append(row(case, config, "train", "samples/s", train))
            log(f"  train: {train['median']:.1f} samples/s ({train['runs']} runs)")
            infer = measure(lambda: predict(model, xp, batch), n, device, *plan)
            rows.append(row(case, config, "predict", "samples/s", infer))
            log(f"  predict: {infer['median']:.1f} samples/s ({infer['runs']} runs)")


def layer_case(sz, device, plan, rows, log):
    for units in sz["layer_units"]:
        for batch in sz["layer_batches"]:
            steps = sz["layer_steps"]
            config = f"LSTM({units}) I={units} B={batch} T={steps}"
            log(f"S6 {config} ...")
            torch.manual_seed(1234)
            lstm = nn.LSTM(units, units, batch_first=True).to(device)
            x = torch.randn(batch, steps, units, device=device)
            xg = x.detach().requires_grad_(True)

            def forward():
                with torch.no_grad():
                    lstm(x)

            def backward():
                lstm(xg)[0].sum().backward()
                lstm.zero_grad(set_to_none=True)
                xg.grad = None

            flops = 2.0 * 4 * units * (units + units) * batch * steps
            for name, run, mult in (("forward", forward, 1), ("forward+backward", backward, 3)):
                r = measure(run, 1, device, *plan)
                r["gflops"] = mult * flops * r["median"] / 1e9
                rows.append(row("S6", config, name, "steps/s", r))
                log(f"  {name}: {r['median']:.1f} steps/s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cases", default=",".join(ALL_CASES))
    ap.add_argument("--reps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--out", default=os.path.join("bench-results", "pytorch"))
    a = ap.parse_args()
    cases = [c.strip().upper() for c in a.cases.split(",") if c.strip()]
    unknown = [c for c in cases if c not in ALL_CASES]
    if unknown:
        ap.error(f"unknown case(s) {unknown}; known: {ALL_CASES}")
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print(f"--device {a.device}: CUDA is not available to this PyTorch ({torch.__version__}).", file=sys.stderr)
        return 3
    if a.threads:
        torch.set_num_threads(a.threads)
    sz = sizes(a.quick)
    reps = a.reps or (9 if a.quick else 15)
    plan = (a.warmup if a.warmup is not None else (1 if a.quick else 2), reps, 10 if a.quick else 40)
    t0 = time.perf_counter()

    def log(text):
        print(f"[{time.perf_counter() - t0:7.1f}s] {text}", file=sys.stderr, flush=True)

    env = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), torch=torch.__version__, cuda=torch.version.cuda,
               cudnn=torch.backends.cudnn.version() if device.type == "cuda" else None,
               gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else None,
               cudnnAllowTf32=torch.backends.cudnn.allow_tf32, matmulAllowTf32=torch.backends.cuda.matmul.allow_tf32,
               device=str(device), python=platform.python_version(), torchThreads=torch.get_num_threads(),
               mode="quick" if a.quick else "full", reps=reps, warmup=plan[0], batchesPerRun=sz["batches_per_run"])
    log("PyTorch eager peer: " + ", ".join(f"{k}={v}" for k, v in env.items()))
    rows = []
    for case in cases:
        if case in SPECS:
            classifier_case(case, sz, device, plan, rows, log)
        elif case == "S6":
            layer_case(sz, device, plan, rows, log)
        elif case == "S7":
            classifier_case("S7", sz, device, plan, rows, log, masked=True)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "results.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(dict(environment=env, rows=rows), f, indent=2, ensure_ascii=False)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
