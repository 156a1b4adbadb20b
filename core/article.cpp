#include "core/article.hpp"

namespace syndicated::core {

const char* to_string(ArticleStatus s) {
  switch (s) {
    case ArticleStatus::kPublished: return "published";
    case ArticleStatus::kDraft: return "draft";
    case ArticleStatus::kRetracted: return "retracted";
  }
  return "?";
}

}  // namespace syndicated::core
