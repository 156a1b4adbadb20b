#pragma once
// An HttpClient that answers from a script and records what was asked, for connector unit tests.
// (Integration tests run the real BeastHttpClient against fake services over TLS on loopback.)
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "http/client.hpp"

namespace syndicated::testing {

class FakeHttpClient final : public http::HttpClient {
 public:
  using Handler = std::function<core::Result<http::ClientResponse>(const http::ClientRequest&)>;

  // Answers the next request with this response (FIFO), ...
  void push(int status, std::string body, std::vector<http::Header> headers = {}) {
    std::lock_guard lock(mu_);
    http::ClientResponse r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    script_.emplace_back(std::move(r));
  }
  // ... or with a transport error ...
  void push_error(std::string message) {
    std::lock_guard lock(mu_);
    script_.emplace_back(core::make_error(std::move(message), "fake"));
  }
  // ... or, when the script is empty, through this handler (default: 599 "unscripted").
  void set_handler(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

  core::Result<http::ClientResponse> send(const http::ClientRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (!script_.empty()) {
      auto r = std::move(script_.front());
      script_.pop_front();
      return r;
    }
    if (handler_) return handler_(request);
    http::ClientResponse r;
    r.status = 599;
    r.body = "unscripted request: " + request.method + " " + request.url;
    return r;
  }

  std::vector<http::ClientRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::size_t pending() const {
    std::lock_guard lock(mu_);
    return script_.size();
  }

 private:
  mutable std::mutex mu_;
  std::deque<core::Result<http::ClientResponse>> script_;
  std::vector<http::ClientRequest> requests_;
  Handler handler_;
};

}  // namespace syndicated::testing
