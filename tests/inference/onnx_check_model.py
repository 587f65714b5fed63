"""Checks an exported model.onnx with the onnx package (Debian's python3-onnx): onnx.checker with
full_check (strict shape inference over the whole graph), then prints what a deployment tool reads from
the file, as JSON: the opset, and each input's and output's element type and dims (a name for a dynamic
axis, a number for a fixed one). Used by tests/inference/test_onnx_export.cpp.
    python3 onnx_check_model.py MODEL_ONNX
"""
import json
import sys

import onnx


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.dim_param else d.dim_value for d in shape.dim]


def main(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    graph = inferred.graph
    print(json.dumps({
        "onnx_version": onnx.__version__,
        "ir_version": model.ir_version,
        "opset": {o.domain: o.version for o in model.opset_import},
        "inputs": {i.name: {"elem_type": onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type),
                            "dims": dims(i)} for i in graph.input},
        "outputs": {o.name: {"elem_type": onnx.TensorProto.DataType.Name(o.type.tensor_type.elem_type),
                             "dims": dims(o)} for o in graph.output},
        "metadata": {p.key: p.value for p in model.metadata_props},
    }))


if __name__ == "__main__":
    main(sys.argv[1])
