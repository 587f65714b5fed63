// Runs an exported model.onnx in ONNX Runtime (the onnxruntime-node package: Microsoft's runtime, an
// implementation that shares no code with attune or libtorch) on batches of token ids, on one thread with
// all graph optimizations on. Used by tests/inference/test_onnx_export.cpp.
//   node onnx_runtime_check.mjs PACKAGE_DIR MODEL_ONNX BATCHES_JSON
// BATCHES_JSON: [{"input_ids": [[...], ...], "attention_mask": [[...], ...]}, ...]
// Prints {"inputs": [names], "outputs": [names], "logits": [{"dims": [B, L], "data": [...]}, ...]}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const [pkg, modelFile, batchesFile] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(pkg), "package.json"));
const ort = require("onnxruntime-node");

const session = await ort.InferenceSession.create(modelFile, {
  graphOptimizationLevel: "all",
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
});
const int64 = (rows) =>
  new ort.Tensor("int64", BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0].length]);
const logits = [];
for (const batch of JSON.parse(readFileSync(batchesFile, "utf8"))) {
  const out = await session.run({ input_ids: int64(batch.input_ids), attention_mask: int64(batch.attention_mask) });
  logits.push({ dims: out.logits.dims, data: Array.from(out.logits.data) });
}
console.log(JSON.stringify({ inputs: session.inputNames, outputs: session.outputNames, logits }));
