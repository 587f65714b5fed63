// safetensors reading (memory-mapped, validated before any data is touched) and writing.
// Format: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}} plus an
// optional "__metadata__" string map, then the raw little-endian data. Never loads pickles.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace attune::models {

// The largest JSON header we accept (the reference implementation's bound).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorEntry {
  std::string dtype;  // "F32", "BF16", ... as written in the header
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

// A validated header: the tensors and the `__metadata__` map.
struct SafetensorsHeader {
  std::map<std::string, TensorEntry> entries;
  std::map<std::string, std::string> metadata;
  uint64_t header_bytes = 0;  // N, the JSON length
};

// Validates a whole safetensors image (`bytes` is the complete file, `size` its length) without reading
// tensor data: header length bound, JSON, known dtypes, non-negative shapes, byte counts, offsets in
// range, contiguous and non-overlapping, data section fully covered. Throws InputError "<origin>: ...".
SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size, const std::string& origin);

// "F32" <-> torch::kFloat etc. for F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL; anything else throws InputError.
torch::ScalarType safetensors_dtype(const std::string& name);
std::string safetensors_dtype_name(torch::ScalarType dtype);
// Bytes per element of a safetensors dtype name (0 for an unknown one).
size_t safetensors_dtype_size(const std::string& name);

// An open, validated safetensors file. Tensors are read from the memory map on demand.
class SafetensorsFile {
 public:
  // Validates the whole header (size bound, JSON, dtypes, offsets in range, contiguous and non-overlapping,
  // byte counts) and throws InputError naming the file and the problem.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& file);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return header_.entries.count(name) != 0; }
  const TensorEntry& entry(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  // An owned copy (contiguous, CPU) of the named tensor in its stored dtype.
  torch::Tensor get(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  SafetensorsHeader header_;
  const uint8_t* data_ = nullptr;  // start of the data section in the map
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Reads every tensor of a file, or of a sharded checkpoint when `file` is a `*.safetensors.index.json`
// (its `weight_map` names the shard of each tensor; shards must sit beside the index).
std::vector<std::pair<std::string, torch::Tensor>> load_safetensors(const std::filesystem::path& file);

// Writes tensors (any supported dtype, made contiguous) sorted by name, with `__metadata__`
// {"format":"pt"} plus `metadata`, the header padded with spaces to a multiple of 8 bytes, atomically
// (temporary name in the same folder, then rename). Duplicate names throw InputError.
void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace attune::models
