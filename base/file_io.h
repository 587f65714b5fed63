// Whole-file IO and UTF-8 validation, shared by every reader and writer of the project.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace attune {

// The whole file as bytes; InputError naming the file when it cannot be read.
std::string read_text_file(const std::filesystem::path& file);

// Offset of the first byte that is not well-formed UTF-8 (overlong forms, surrogates, code points past
// U+10FFFF and NUL bytes included), or std::string_view::npos when all of `text` is valid.
std::size_t invalid_utf8_offset(std::string_view text);

// The lines of a text as line-oriented readers take it (predict's inputs, audit logs): a leading UTF-8
// byte-order mark dropped, LF or CRLF line ends removed, and a final line end opening no extra line.
std::vector<std::string> text_lines(std::string_view content);

// Writes `content` to `file` atomically: to `<file>.<pid>.tmp` in the same directory (created when
// missing), flushed to disk, then renamed over `file`. Readers see the old file or the new one, never half.
// Throws std::runtime_error naming the file when it cannot be written.
void write_file_atomic(const std::filesystem::path& file, const std::string& content);

// Flushes a written file (or a directory's entries, after renames in it) to disk. Throws
// std::runtime_error naming the path when it cannot.
void sync_path(const std::filesystem::path& path);

// Puts the whole dir `staged` in the place of `dir`: `dir` (when it exists) is renamed to `<dir>.old`,
// `staged` to `dir`, then `<dir>.old` is removed. A kill at any moment leaves `dir` whole (the old one or
// the new one), or only `<dir>.old`, which restore_replaced_dir puts back.
void replace_dir(const std::filesystem::path& staged, const std::filesystem::path& dir);
// After a kill inside replace_dir: `<dir>.old` back in place when `dir` is missing; a stale `<dir>.old`
// beside a whole `dir` removed. Returns true when it put the old dir back.
bool restore_replaced_dir(const std::filesystem::path& dir);

// Removes the temporary files a killed writer left directly in `dir` (not below): `<name>.<pid>.tmp`
// (write_file_atomic) and `<name>.tmp.<pid>` (safetensors), when no process `<pid>` runs.
// Returns the names removed.
std::vector<std::string> remove_stale_temp_files(const std::filesystem::path& dir);

}  // namespace attune
