#include "data/tokenizers/spm_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "base/errors.h"

namespace attune::data {
namespace {

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn, const std::string& path) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr)
    throw std::runtime_error(path + ": the SentencePiece wrapper library lacks " + name + " (rebuild it)");
  fn = reinterpret_cast<Fn>(symbol);
}

SpmApi load_api() {
  std::string tried;
  for (const std::string& path : spm_library_candidates()) {
    if (!std::filesystem::exists(path)) {
      tried += "\n  " + path + " (absent)";
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == nullptr) {
      const char* error = dlerror();
      tried += "\n  " + path + " (" + (error ? error : "dlopen failed") + ")";
      continue;
    }
    int (*version)() = nullptr;
    resolve(handle, "attune_spm_api_version", version, path);
    if (version() != ATTUNE_SPM_API_VERSION)
      throw std::runtime_error(path + ": SentencePiece wrapper API version " + std::to_string(version()) +
                               ", expected " + std::to_string(ATTUNE_SPM_API_VERSION) + " (rebuild it)");
    SpmApi api{};
#define ATTUNE_SPM_RESOLVE(member) resolve(handle, "attune_spm_" #member, api.member, path);
    ATTUNE_SPM_API_MEMBERS(ATTUNE_SPM_RESOLVE)
#undef ATTUNE_SPM_RESOLVE
    return api;  // the handle stays open for the life of the process
  }
  throw std::runtime_error(
      "cannot load the SentencePiece wrapper library (needed for spm.model tokenizers); tried:" + tried +
      "\nset ATTUNE_SPM_LIBRARY to the path of libattune_spm.so");
}

}  // namespace

std::vector<std::string> spm_library_candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("ATTUNE_SPM_LIBRARY"); env != nullptr && *env != '\0') out.push_back(env);
#ifdef ATTUNE_SPM_LIBRARY
  out.push_back(ATTUNE_SPM_LIBRARY);
#endif
#ifdef ATTUNE_SPM_LIBRARY_NAME
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) out.push_back((exe.parent_path() / ".." / "lib" / ATTUNE_SPM_LIBRARY_NAME).lexically_normal());
#endif
  return out;
}

const SpmApi& spm_api() {
  static const SpmApi api = load_api();  // a failed load throws and is retried on the next call
  return api;
}

void train_sentencepiece(const std::string& flags) {
  const SpmApi& api = spm_api();
  if (api.train(flags.c_str()) != 0)
    throw InputError("SentencePiece training failed (" + flags + "): " + api.last_error());
}

}  // namespace attune::data
