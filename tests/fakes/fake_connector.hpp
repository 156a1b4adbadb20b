#pragma once
// A Connector that answers from a script and records what it was asked, for outbox tests. It
// also plays the network's side: what publish() posted stays "on the server", so a test can count
// the remote posts after a crash (no duplicate), find() finds them (Recovery::kLookup), and a
// publish with a key already used answers the first result again (Recovery::kIdempotencyKey and
// kDeterministicKey) instead of posting twice.
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connector.hpp"

namespace syndicated::testing {

class FakeConnector final : public connectors::Connector {
 public:
  using Outcome = connectors::Outcome;
  using Recovery = connectors::Recovery;

  struct Call {
    std::string article_id;
    std::string key;
    int attempt = 0;
    bool recovering = false;
    std::string text;
  };

  explicit FakeConnector(std::string network = "fake",
                         Recovery recovery = Recovery::kIdempotencyKey)
      : network_(std::move(network)), recovery_(recovery) {}

  void set_recovery(Recovery r) {
    std::lock_guard lock(mu_);
    recovery_ = r;
  }
  // The next publish() answers this (FIFO) instead of posting; kSent outcomes in the script
  // do post (with the scripted remote ref when it has an id).
  void push_publish(Outcome o) {
    std::lock_guard lock(mu_);
    publish_script_.push_back(std::move(o));
  }
  void push_find(Outcome o) {
    std::lock_guard lock(mu_);
    find_script_.push_back(std::move(o));
  }
  void push_remove(Outcome o) {
    std::lock_guard lock(mu_);
    remove_script_.push_back(std::move(o));
  }
  // compose() of this article fails with `message`.
  void fail_compose(const std::string& article_id, std::string message) {
    std::lock_guard lock(mu_);
    compose_errors_[article_id] = std::move(message);
  }

  std::vector<Call> published() const {
    std::lock_guard lock(mu_);
    return published_;
  }
  std::vector<Call> found() const {
    std::lock_guard lock(mu_);
    return found_;
  }
  std::vector<connectors::RemoteRef> removed() const {
    std::lock_guard lock(mu_);
    return removed_;
  }
  // Posts that exist on the "server" now, by article id (deleted ones are gone).
  std::map<std::string, connectors::RemoteRef> posts() const {
    std::lock_guard lock(mu_);
    std::map<std::string, connectors::RemoteRef> out;
    for (const auto& [key, post] : posts_) out[post.article_id] = post.remote;
    return out;
  }
  // How many posts were ever created (a duplicate makes it exceed the number of articles).
  int created() const {
    std::lock_guard lock(mu_);
    return created_;
  }

  std::string_view network() const override { return network_; }
  Recovery recovery() const override {
    std::lock_guard lock(mu_);
    return recovery_;
  }

  core::Result<connectors::Post> compose(const core::Article& article) const override {
    std::lock_guard lock(mu_);
    if (auto it = compose_errors_.find(article.id); it != compose_errors_.end()) {
      return core::make_error(it->second, "fake compose");
    }
    connectors::Post p;
    p.text = article.title + " " + article.url;
    p.length = p.text.size();
    p.limit = 280;
    p.rule = "bytes";
    p.language = article.language;
    return p;
  }

  bool keyed() const {
    return recovery_ == Recovery::kIdempotencyKey || recovery_ == Recovery::kDeterministicKey;
  }

  Outcome publish(const connectors::Delivery& d) override {
    std::lock_guard lock(mu_);
    published_.push_back(Call{d.article.id, d.key, d.attempt, d.recovering, d.post.text});
    std::optional<Outcome> scripted;
    if (!publish_script_.empty()) {
      scripted = std::move(publish_script_.front());
      publish_script_.pop_front();
      if (scripted->kind != Outcome::Kind::kSent) return *scripted;
    }
    // Keyed networks answer a repeated key with the first result.
    if (keyed()) {
      if (auto it = posts_.find(d.key); it != posts_.end()) {
        Outcome o;
        o.kind = Outcome::Kind::kSent;
        o.remote = it->second.remote;
        return o;
      }
    }
    ++created_;
    Outcome o = scripted.value_or(Outcome{});
    o.kind = Outcome::Kind::kSent;
    if (o.remote.id.empty()) {
      o.remote.id = "remote-" + std::to_string(created_);
      o.remote.url = "https://fake.example/" + network_ + "/" + o.remote.id;
    }
    // Without a key the server cannot tell repeats apart: a second post is a duplicate.
    const std::string slot = keyed() ? d.key : d.key + "#" + std::to_string(created_);
    posts_[slot] = Post{d.article.id, o.remote};
    return o;
  }

  Outcome find(const connectors::Delivery& d) override {
    std::lock_guard lock(mu_);
    found_.push_back(Call{d.article.id, d.key, d.attempt, d.recovering, d.post.text});
    if (!find_script_.empty()) {
      Outcome o = std::move(find_script_.front());
      find_script_.pop_front();
      return o;
    }
    Outcome o;
    o.kind = Outcome::Kind::kNotFound;
    for (const auto& [slot, post] : posts_) {
      if (post.article_id == d.article.id) {
        o.kind = Outcome::Kind::kSent;
        o.remote = post.remote;
        break;
      }
    }
    return o;
  }

  Outcome remove(const connectors::RemoteRef& remote) override {
    std::lock_guard lock(mu_);
    removed_.push_back(remote);
    if (!remove_script_.empty()) {
      Outcome o = std::move(remove_script_.front());
      remove_script_.pop_front();
      if (!o.ok()) return o;
    }
    Outcome o;
    o.kind = Outcome::Kind::kNotFound;
    for (auto it = posts_.begin(); it != posts_.end(); ++it) {
      if (it->second.remote.id == remote.id) {
        posts_.erase(it);
        o.kind = Outcome::Kind::kSent;
        break;
      }
    }
    return o;
  }

 private:
  struct Post {
    std::string article_id;
    connectors::RemoteRef remote;
  };

  mutable std::mutex mu_;
  std::string network_;
  Recovery recovery_;
  std::deque<Outcome> publish_script_, find_script_, remove_script_;
  std::map<std::string, std::string> compose_errors_;
  std::vector<Call> published_, found_;
  std::vector<connectors::RemoteRef> removed_;
  std::map<std::string, Post> posts_;  // by key (kLookup: by key and sequence)
  int created_ = 0;
};

// Helpers to script outcomes.
inline connectors::Outcome transient(std::string reason,
                                     std::optional<core::Timestamp> retry_at = std::nullopt) {
  connectors::Outcome o;
  o.kind = connectors::Outcome::Kind::kTransient;
  o.reason = std::move(reason);
  o.retry_at = retry_at;
  return o;
}
inline connectors::Outcome outcome(connectors::Outcome::Kind kind, std::string reason = {}) {
  connectors::Outcome o;
  o.kind = kind;
  o.reason = std::move(reason);
  return o;
}

}  // namespace syndicated::testing
