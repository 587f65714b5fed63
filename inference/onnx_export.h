// ONNX export of a merged sequence classifier (RoBERTa, BERT, DeBERTa-v2/v3) for ONNX Runtime and other
// deployment tools. The graph is built op by op from the model's weights and config, written with the
// protobuf definitions of Debian's libonnx-dev (ONNX 1.12, IR version 8, opset 17) and checked with
// onnx::checker before it is written:
//   inputs  input_ids, attention_mask  int64 [batch, sequence]   (both axes dynamic)
//   output  logits                     float [batch, num_labels]
// It computes what models/{roberta,bert,deberta_v2}.cpp compute in eval mode with token_type_ids all
// zero: the same additive / filled attention masks, RoBERTa's positions from input_ids != pad, DeBERTa's
// disentangled attention (c2p / p2c, log-bucketed relative positions, shared or separate position
// projections, norm_rel_ebd, embed_proj, the ConvLayer of xlarge models) for any sequence length.
// Relative positions come from a table attune computes with its own make_log_bucket_position, so they are
// exact. The file's metadata_props carry id2label (JSON) and the model_type.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "models/encoder.h"

namespace attune::inference {

// The file name `export --onnx` writes into a merged dir (optimum's name, which ONNX Runtime's
// Hugging Face loaders look for beside config.json).
inline constexpr const char* kOnnxFile = "model.onnx";
// The ONNX opset and IR version of the written graph.
inline constexpr int64_t kOnnxOpset = 17;
inline constexpr int64_t kOnnxIrVersion = 8;

struct OnnxExportSummary {
  std::filesystem::path file;
  torch::ScalarType weight_dtype = torch::kFloat;
  int64_t nodes = 0;
  int64_t initializers = 0;
  uint64_t bytes = 0;  // of the written file
};

// Writes `model` (plain: LoRA merged and removed) to `file` as an ONNX graph. Weights are stored as
// `weight_dtype`: torch::kFloat, or torch::kBFloat16 (each weight is cast to float inside the graph, so
// the arithmetic stays fp32). Written atomically (a temporary name, then a rename). InputError for a model
// the exporter cannot express (an unsupported model_type or activation, adapters still attached, a graph
// over protobuf's 2 GiB limit).
OnnxExportSummary write_onnx(const models::SequenceClassifier& model, const std::filesystem::path& file,
                             torch::ScalarType weight_dtype = torch::kFloat);

// For a merged Hugging Face dir (config.json + model.safetensors, as `export --merged` writes or as
// transformers saves): loads it as attune does and writes <dir>/model.onnx with the weights in the dtype
// model.safetensors stores (BF16 stays bf16, everything else is written as fp32).
OnnxExportSummary write_onnx_for_dir(const std::filesystem::path& dir);

}  // namespace attune::inference
