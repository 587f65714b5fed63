#include "models/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/errors.h"
#include "base/strings.h"

namespace attune::models {

namespace {

// Length of the little-endian header-size prefix.
constexpr uint64_t kPrefixBytes = 8;
// The key of the string map that is not a tensor.
constexpr const char* kMetadataKey = "__metadata__";

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  size_t size;
};

const std::vector<DtypeInfo>& dtype_table() {
  static const std::vector<DtypeInfo> table = {
      {"F64", torch::kDouble, 8},    {"F32", torch::kFloat, 4}, {"F16", torch::kHalf, 2},
      {"BF16", torch::kBFloat16, 2}, {"I64", torch::kLong, 8},  {"I32", torch::kInt, 4},
      {"I16", torch::kShort, 2},     {"I8", torch::kChar, 1},   {"U8", torch::kByte, 1},
      {"BOOL", torch::kBool, 1},
  };
  return table;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw InputError(origin + ": invalid safetensors file: " + what);
}

// One tensor's header entry: {"dtype": str, "shape": [uint...], "data_offsets": [uint, uint]}.
TensorEntry parse_entry(const std::string& origin, const std::string& name, const nlohmann::json& j) {
  const std::string where = "tensor '" + name + "'";
  if (!j.is_object()) fail(origin, where + " is not a JSON object");
  TensorEntry e;
  auto dt = j.find("dtype");
  if (dt == j.end() || !dt->is_string()) fail(origin, where + " has no string \"dtype\"");
  e.dtype = dt->get<std::string>();
  if (safetensors_dtype_size(e.dtype) == 0)
    fail(origin, where + " has unsupported dtype \"" + e.dtype +
                     "\" (expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
  auto sh = j.find("shape");
  if (sh == j.end() || !sh->is_array()) fail(origin, where + " has no \"shape\" array");
  for (const auto& d : *sh) {
    if (!d.is_number_unsigned() ||
        d.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(origin, where + " has a shape entry that is not a non-negative integer: " + d.dump());
    e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
  }
  auto off = j.find("data_offsets");
  if (off == j.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
      !(*off)[1].is_number_unsigned())
    fail(origin, where + " needs \"data_offsets\": [begin, end] with non-negative integers");
  e.begin = (*off)[0].get<uint64_t>();
  e.end = (*off)[1].get<uint64_t>();
  if (e.end < e.begin)
    fail(origin, where + " has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                     "] with end before begin");
  // Byte count = dtype size × product(shape), computed without overflow.
  uint64_t count = safetensors_dtype_size(e.dtype);
  for (int64_t d : e.shape) {
    const auto ud = static_cast<uint64_t>(d);
    if (ud != 0 && count > std::numeric_limits<uint64_t>::max() / ud)
      fail(origin, where + " shape " + shape_str(e.shape) + " overflows the byte count");
    count *= ud;
  }
  if (count != e.end - e.begin)
    fail(origin, where + " has " + std::to_string(e.end - e.begin) + " bytes but dtype " + e.dtype +
                     " × shape " + shape_str(e.shape) + " needs " + std::to_string(count));
  return e;
}

}  // namespace

size_t safetensors_dtype_size(const std::string& name) {
  for (const auto& d : dtype_table())
    if (name == d.name) return d.size;
  return 0;
}

torch::ScalarType safetensors_dtype(const std::string& name) {
  for (const auto& d : dtype_table())
    if (name == d.name) return d.type;
  throw InputError("unsupported safetensors dtype \"" + name +
                   "\" (expected one of F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
}

std::string safetensors_dtype_name(torch::ScalarType dtype) {
  for (const auto& d : dtype_table())
    if (dtype == d.type) return d.name;
  throw InputError(std::string("cannot store torch dtype ") + c10::toString(dtype) + " in safetensors");
}

SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size, const std::string& origin) {
  if (size < kPrefixBytes)
    fail(origin, "truncated: " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > kMaxSafetensorsHeaderBytes)
    fail(origin, "header length " + std::to_string(n) + " exceeds the limit of " +
                     std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  if (n > size - kPrefixBytes)
    fail(origin, "truncated: header length " + std::to_string(n) + " but only " +
                     std::to_string(size - kPrefixBytes) + " bytes follow");
  const char* text = reinterpret_cast<const char*>(bytes + kPrefixBytes);
  nlohmann::json j = nlohmann::json::parse(text, text + n, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(origin, "header is not valid JSON");
  if (!j.is_object()) fail(origin, "header is not a JSON object");

  SafetensorsHeader h;
  h.header_bytes = n;
  for (const auto& [key, value] : j.items()) {
    if (key == kMetadataKey) {
      if (!value.is_object()) fail(origin, "\"__metadata__\" is not an object of strings");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) fail(origin, "\"__metadata__\"." + mk + " is not a string");
        h.metadata[mk] = mv.get<std::string>();
      }
      continue;
    }
    h.entries[key] = parse_entry(origin, key, value);
  }

  // Contiguous and non-overlapping: sorted by (begin, end), each starts where the previous ended.
  std::vector<std::pair<const std::string*, const TensorEntry*>> order;
  for (const auto& [name, e] : h.entries) order.emplace_back(&name, &e);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.second->begin, a.second->end) < std::make_pair(b.second->begin, b.second->end);
  });
  uint64_t at = 0;
  for (const auto& [name, e] : order) {
    if (e->begin != at)
      fail(origin, "tensor '" + *name + "' begins at byte " + std::to_string(e->begin) +
                       " of the data, expected " + std::to_string(at) +
                       (e->begin < at ? " (overlaps the previous tensor)" : " (gap)"));
    at = e->end;
  }
  const uint64_t data_size = size - kPrefixBytes - n;
  if (at != data_size)
    fail(origin, "tensors cover " + std::to_string(at) + " data bytes but the file holds " +
                     std::to_string(data_size) + (at > data_size ? " (truncated)" : " (trailing bytes)"));
  return h;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& file) {
  const std::string origin = file.string();
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = file;
  const int fd = ::open(origin.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(origin + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(origin + ": not a regular file");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < kPrefixBytes) {
    ::close(fd);
    fail(origin, "truncated: " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw InputError(origin + ": cannot memory-map: " + std::strerror(errno));
  f->map_ = map;
  f->map_size_ = size;
  // If validation throws, the shared_ptr's destructor unmaps.
  f->header_ = parse_safetensors_header(static_cast<const uint8_t*>(map), size, origin);
  f->data_ = static_cast<const uint8_t*>(map) + kPrefixBytes + f->header_.header_bytes;
  return f;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_size_);
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(header_.entries.size());
  for (const auto& kv : header_.entries) out.push_back(kv.first);
  return out;
}

const TensorEntry& SafetensorsFile::entry(const std::string& name) const {
  auto it = header_.entries.find(name);
  if (it == header_.entries.end()) throw InputError(path_.string() + ": no tensor named '" + name + "'");
  return it->second;
}

torch::Tensor SafetensorsFile::get(const std::string& name) const {
  const TensorEntry& e = entry(name);
  auto t = torch::empty(e.shape, torch::TensorOptions().dtype(safetensors_dtype(e.dtype)));
  if (e.end > e.begin) std::memcpy(t.data_ptr(), data_ + e.begin, e.end - e.begin);
  return t;
}

namespace {

// Loads the tensors a `*.safetensors.index.json` names from the shards beside it.
std::vector<std::pair<std::string, torch::Tensor>> load_sharded(const std::filesystem::path& index) {
  const std::string origin = index.string();
  std::ifstream in(index);
  if (!in) throw InputError(origin + ": cannot open");
  nlohmann::json j = nlohmann::json::parse(in, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw InputError(origin + ": not a JSON object");
  auto wm = j.find("weight_map");
  if (wm == j.end() || !wm->is_object())
    throw InputError(origin + ": expected \"weight_map\": {tensor name: shard file name}");
  std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& [name, shard] : wm->items()) {
    if (!shard.is_string()) throw InputError(origin + ": weight_map." + name + " is not a file name");
    const auto file = shard.get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos || file.find('\\') != std::string::npos ||
        file == "." || file == "..")
      throw InputError(origin + ": weight_map." + name + " = \"" + file +
                       "\" must be a plain file name beside the index");
    auto& f = shards[file];
    if (!f) f = SafetensorsFile::open(index.parent_path() / file);
    if (!f->contains(name))
      throw InputError(origin + ": weight_map says '" + name + "' is in " + file +
                       " but that shard lacks it");
    out.emplace_back(name, f->get(name));
  }
  return out;
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> load_safetensors(const std::filesystem::path& file) {
  if (ends_with(file.filename().string(), ".index.json")) return load_sharded(file);
  auto f = SafetensorsFile::open(file);
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& name : f->names()) out.emplace_back(name, f->get(name));
  return out;
}

void save_safetensors(const std::filesystem::path& file,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string origin = file.string();
  std::map<std::string, torch::Tensor> sorted;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) throw InputError(origin + ": tensor name \"__metadata__\" is reserved");
    if (!t.defined()) throw InputError(origin + ": tensor '" + name + "' is undefined");
    if (!sorted.emplace(name, t.detach().to(torch::kCPU).contiguous()).second)
      throw InputError(origin + ": duplicate tensor name '" + name + "'");
  }
  // Header: __metadata__ first, then the tensors sorted by name, laid out in that order.
  nlohmann::ordered_json header;
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  std::map<std::string, std::string> all_meta = metadata;
  all_meta["format"] = "pt";
  for (const auto& [k, v] : all_meta) meta[k] = v;
  header[kMetadataKey] = meta;
  uint64_t offset = 0;
  for (const auto& [name, t] : sorted) {
    const uint64_t bytes = t.numel() * t.element_size();
    nlohmann::ordered_json e;
    e["dtype"] = safetensors_dtype_name(t.scalar_type());
    e["shape"] = t.sizes().vec();
    e["data_offsets"] = {offset, offset + bytes};
    header[name] = e;
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((kPrefixBytes - text.size() % kPrefixBytes) % kPrefixBytes, ' ');

  const auto tmp = file.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(origin + ": cannot write (" + tmp + "): " + std::strerror(errno));
    uint8_t prefix[kPrefixBytes];
    uint64_t n = text.size();
    for (auto& b : prefix) b = static_cast<uint8_t>(n & 0xff), n >>= 8;
    out.write(reinterpret_cast<const char*>(prefix), kPrefixBytes);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [name, t] : sorted)
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw InputError(origin + ": write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(origin + ": cannot rename the temporary file into place: " + ec.message());
  }
}

}  // namespace attune::models
