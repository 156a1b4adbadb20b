#pragma once
// What changed in the article store directory, as DirectoryWatcher reports it and ArticleSet
// applies it. Paths are relative to the store root and '/'-separated.
#include <string>

namespace syndicated::store {

enum class FileEventKind {
  kChanged,      // a file was written and closed, or renamed into place: read it again
  kRemoved,      // a file was deleted or moved away
  kTreeRemoved,  // a directory, and everything under it, was deleted or moved away
};

struct FileEvent {
  std::string path;
  FileEventKind kind = FileEventKind::kChanged;
  friend bool operator==(const FileEvent&, const FileEvent&) = default;
};

const char* to_string(FileEventKind kind);

}  // namespace syndicated::store
