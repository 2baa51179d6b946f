#!/usr/bin/env python3
"""Sets RnnSharp's bench results beside the PyTorch eager peer's, configuration by configuration.

    python3 bench/pytorch/compare.py RNNSHARP_RESULTS_JSON PYTORCH_RESULTS_JSON [--md OUT.md]

RnnSharp's side is A of each row (RnnSharp Fit / Predict / LSTM.Call; for S7 the masked fused path); "raw TorchSharp"
is B, the hand-written TorchSharp loop in the same process. ratio = RnnSharp's median throughput / PyTorch's (above 1:
RnnSharp faster). Target (issue 15): Fit >= 0.95x PyTorch eager for S1-S5. Needs only the standard library.
"""
import argparse
import json
import sys

FIT_TARGET = 0.95


def key(case, config, measure):
    # S7's RnnSharp rows are "train: masked fused vs step" and "... vs unmasked"; the first carries the masked fused side.
    if case == "S7":
        if not measure.endswith("vs step"):
            return None
        measure = measure.split(":")[0]
    return case, config, measure


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rnnsharp")
    ap.add_argument("pytorch")
    ap.add_argument("--md")
    a = ap.parse_args()
    with open(a.rnnsharp, encoding="utf-8") as f:
        ours = json.load(f)
    with open(a.pytorch, encoding="utf-8") as f:
        theirs = json.load(f)
    peer = {(r["case"], r["config"], r["measure"]): r for r in theirs["rows"]}
    lines = [
        f"RnnSharp ({ours['environment'].get('device')}, TorchSharp {ours['environment'].get('torchSharp')}) vs PyTorch eager "
        f"{theirs['environment'].get('torch')} ({theirs['environment'].get('device')}, {theirs['environment'].get('gpu')})",
        "",
        "| case | config | measure | unit | RnnSharp | raw TorchSharp | PyTorch eager | RnnSharp / PyTorch | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    missed = 0
    for r in ours["rows"]:
        if r.get("skipped") or not r.get("a"):
            continue
        k = key(r["case"], r["config"], r["measure"])
        if k is None or k not in peer:
            continue
        p = peer[k]
        ratio = r["a"]["median"] / p["median"] if p["median"] else float("nan")
        target = FIT_TARGET if r["case"] in ("S1", "S2", "S3", "S4", "S5") and k[2] == "train" else None
        met = "" if target is None else ("yes" if ratio >= target else "NO")
        missed += met == "NO"
        lines.append(f"| {k[0]} | {k[1]} | {k[2]} | {r['unit']} | {r['a']['median']:.1f} | {r['b']['median']:.1f} | "
                     f"{p['median']:.1f} | {ratio:.3f} | {'' if target is None else f'≥ {target}'} | {met} |")
    matched = len(lines) - 4
    lines += ["", f"{matched} configurations compared; {missed} below the Fit target."]
    text = "\n".join(lines)
    print(text)
    if a.md:
        with open(a.md, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if matched else 1


if __name__ == "__main__":
    sys.exit(main())
