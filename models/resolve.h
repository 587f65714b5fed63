// Where a backbone named in a config lives on disk. `model.name_or_path` resolves in this order:
//   1. an existing directory;
//   2. the Hugging Face cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub, laid out as
//      models--ORG--NAME/snapshots/<rev>/ (the revision named by refs/main when present);
//   3. models/NAME inside the project (ATTUNE_MODELS_DIR overrides the folder).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace attune::models {

struct Resolution {
  std::optional<std::filesystem::path> dir;  // the model dir, when found
  std::string how;                            // "directory" | "hf-cache" | "project"
  std::vector<std::string> looked;            // every place tried, in order (for the error message)
};

// The HF hub cache folder as huggingface_hub computes it from the environment.
std::filesystem::path hf_hub_cache_dir();

// The project's model folder: $ATTUNE_MODELS_DIR, else <project>/models (the folder that holds
// the embedded backbones' cache).
std::filesystem::path project_models_dir();

// Finds `name_or_path` (see the top of this file). A dir counts when it holds a config.json.
Resolution resolve_model_dir(const std::string& name_or_path);

// "not found: roberta-base (looked in: ...); download it with ... and place it in ..." — the message
// of a run that found no backbone and may not fall back.
std::string not_found_message(const std::string& name_or_path, const Resolution& resolution);

}  // namespace attune::models
