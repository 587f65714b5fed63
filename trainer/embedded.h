// The embedded backbones: compact encoders attune pretrains itself (pretrain, configs/embedded/*.yaml) so
// that a machine without roberta-base or deberta-v3-base still runs the shipped configs on a really
// pretrained encoder. Built once on first use (or by `pretrain --embedded NAME`), deterministically, into
// <project>/models/embedded/NAME (ATTUNE_MODELS_DIR moves it), then reused.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace attune::trainer {

// The embedded backbones attune ships configs for.
const std::vector<std::string>& embedded_backbone_names();  // roberta-compact, deberta-v3-compact

// The embedded backbone of `name_or_path`'s architecture family: "deberta…" -> deberta-v3-compact,
// anything else (roberta, bert, …) -> roberta-compact.
std::string embedded_backbone_for(const std::string& name_or_path);

// Where the pretrain configs of the embedded backbones live: $ATTUNE_EMBEDDED_CONFIGS, else
// <project>/configs/embedded.
std::filesystem::path embedded_config_dir();

struct EmbeddedBackbone {
  std::string name;
  std::filesystem::path dir;
  std::string sha256;  // of model.safetensors
  bool built_now = false;
};

// The backbone's dir, building it first when it is not there (a finished build holds pretraining.json).
// Concurrent callers wait on a lock file; a build that was killed resumes from its last checkpoint.
// `rebuild` discards a finished one first. InputError for an unknown name or a missing config.
EmbeddedBackbone ensure_embedded_backbone(const std::string& name, bool rebuild = false);

}  // namespace attune::trainer
