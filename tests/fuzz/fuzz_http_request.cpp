// Fuzz target: bytes -> a request head parsed by Beast's request_parser with the server's limits
// (header_limit as ServerOptions::max_header_bytes, body_limit 0) -> respond() against a small
// table and routes. Whatever the bytes, nothing may crash, hang or read out of bounds; and a few
// invariants of respond() are checked (abort on violation, which the runner and libFuzzer report).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/asio/buffer.hpp>

#include "http/server.hpp"

namespace {

namespace bhttp = boost::beast::http;
using namespace syndicated::http;

struct Fixture {
  Fixture() {
    auto t = std::make_shared<ResourceTable>();
    Resource feed;
    feed.content_type = "application/rss+xml";
    feed.last_modified = 1700000000;
    feed.identity = {std::make_shared<const std::string>("<rss/>"), "\"id\""};
    feed.gzip = Representation{std::make_shared<const std::string>("gz"), "\"gz\""};
    t->add("/feed.xml", feed);
    Resource plain;
    plain.content_type = "text/plain";
    plain.identity = {std::make_shared<const std::string>("x"), "\"p\""};
    t->add("/a/b.txt", plain);
    table = t;
    routes["/healthz"] = [](const Request& r) {
      Response resp;
      resp.headers = {{"X-Echo", std::string(r.header("X-Echo"))}};
      resp.body = std::make_shared<const std::string>(r.target);
      return resp;
    };
    options.max_header_bytes = 16 * 1024;
  }
  std::shared_ptr<const ResourceTable> table;
  RouteMap routes;
  ServerOptions options;
};

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;

  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(fixture.options.max_header_bytes));
  parser.body_limit(0);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  // The server refuses announced bodies before respond() (413).
  if (parser.chunked() || !parser.is_done()) return 0;

  const auto& req = parser.get();
  Request request;
  request.method = sv(req.method_string());
  request.target = sv(req.target());
  request.path = request.target.substr(0, request.target.find('?'));
  request.version = req.version();
  request.header = [&req](std::string_view name) -> std::string_view {
    auto it = req.find(boost::beast::string_view(name.data(), name.size()));
    return it == req.end() ? std::string_view{} : sv(it->value());
  };

  const Response response =
      respond(request, fixture.table.get(), fixture.routes, fixture.options);

  // Invariants.
  check(response.status >= 200 && response.status <= 599);
  const bool head = request.method == "HEAD";
  if (head || response.status == 304) check(response.body == nullptr);
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Length" && response.body)
      check(value == std::to_string(response.body->size()));
    check(value.find_first_of("\r\n") == std::string::npos);
  }
  return 0;
}
