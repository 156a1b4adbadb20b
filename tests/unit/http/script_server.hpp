#pragma once
// A loopback HTTP(S) server for client tests, driven by a script: each accepted connection runs
// the script on its own thread with blocking socket calls, so a test says exactly what the server
// reads, writes, withholds or closes, connection by connection. Stopping shuts every socket down
// and wakes every stall().
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace syndicated::testing {

class ScriptServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  class Conn {
   public:
    int index = 0;    // 0 for the first accepted connection, 1 for the next, ...
    std::string sni;  // the TLS server name the client sent ("" when none, or plain TCP)

    // Reads one request; nullopt when the peer closed, the request is malformed or the server
    // stops.
    std::optional<Request> read_request() {
      boost::system::error_code ec;
      Request request;
      if (tls_) {
        boost::beast::http::read(*tls_, buffer_, request, ec);
      } else {
        boost::beast::http::read(socket_, buffer_, request, ec);
      }
      if (ec) return std::nullopt;
      server_->record(request);
      return request;
    }
    bool write(std::string_view bytes) {
      boost::system::error_code ec;
      if (tls_) {
        boost::asio::write(*tls_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
      } else {
        boost::asio::write(socket_, boost::asio::buffer(bytes.data(), bytes.size()), ec);
      }
      return !ec;
    }
    // Blocks until the server stops (or `ms` passed, when given). False once stopping.
    bool stall(std::optional<std::chrono::milliseconds> ms = std::nullopt) {
      return server_->wait_stop(ms);
    }
    // Closes the TCP connection (no TLS close_notify).
    void close() {
      std::lock_guard lock(server_->mu_);
      boost::system::error_code ignored;
      socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
    }

   private:
    friend class ScriptServer;
    Conn(ScriptServer* server, boost::asio::ip::tcp::socket socket)
        : server_(server), socket_(std::move(socket)) {}
    ScriptServer* server_;
    boost::asio::ip::tcp::socket socket_;
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    boost::beast::flat_buffer buffer_;
  };

  using Script = std::function<void(Conn&)>;

  struct Options {
    bool tls = true;
    std::string address = "127.0.0.1";
    std::string cert_dir;  // server.pem and server.key from testca.py
  };

  ScriptServer(Options options, Script script)
      : options_(std::move(options)), script_(std::move(script)), acceptor_(ioc_) {
    if (options_.tls) {
      ctx_.use_certificate_chain_file(options_.cert_dir + "/server.pem");
      ctx_.use_private_key_file(options_.cert_dir + "/server.key", boost::asio::ssl::context::pem);
    }
    boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address(options_.address), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~ScriptServer() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
      for (Conn* c : live_) {
        if (c->socket_.is_open()) ::shutdown(c->socket_.native_handle(), SHUT_RDWR);
      }
    }
    stop_cv_.notify_all();
    accept_thread_.join();
    for (auto& t : threads_) t.join();
  }

  unsigned short port() const { return port_; }
  int accepted() const { return accepted_.load(); }
  // Connections whose script has ended (and whose socket is closed).
  int finished() const { return finished_.load(); }
  std::vector<std::string> sni_names() const {
    std::lock_guard lock(mu_);
    return sni_;
  }
  // Requests read so far, as "METHOD target".
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<Request> full_requests() const {
    std::lock_guard lock(mu_);
    return full_requests_;
  }

 private:
  void record(const Request& request) {
    std::lock_guard lock(mu_);
    requests_.push_back(std::string(request.method_string()) + " " + std::string(request.target()));
    full_requests_.push_back(request);
  }

  bool wait_stop(std::optional<std::chrono::milliseconds> ms) {
    std::unique_lock lock(mu_);
    if (ms) {
      stop_cv_.wait_for(lock, *ms, [&] { return stopping_; });
    } else {
      stop_cv_.wait(lock, [&] { return stopping_; });
    }
    return !stopping_;
  }

  void accept_loop() {
    while (true) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      std::lock_guard lock(mu_);
      if (stopping_) return;
      if (ec) continue;
      const int index = accepted_++;
      auto conn = std::unique_ptr<Conn>(new Conn(this, std::move(socket)));
      conn->index = index;
      live_.push_back(conn.get());
      threads_.emplace_back([this, c = std::move(conn)]() mutable { serve(std::move(c)); });
    }
  }

  void serve(std::unique_ptr<Conn> c) {
    bool ready = true;
    if (options_.tls) {
      c->tls_ = std::make_unique<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>>(
          c->socket_, ctx_);
      boost::system::error_code ec;
      c->tls_->handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) {
        ready = false;
      } else {
        const char* name = SSL_get_servername(c->tls_->native_handle(), TLSEXT_NAMETYPE_host_name);
        c->sni = name != nullptr ? name : "";
        std::lock_guard lock(mu_);
        sni_.push_back(c->sni);
      }
    }
    if (ready) script_(*c);
    std::lock_guard lock(mu_);
    live_.erase(std::find(live_.begin(), live_.end(), c.get()));
    boost::system::error_code ignored;
    c->socket_.close(ignored);
    ++finished_;
  }

  Options options_;
  Script script_;
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_server};
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread accept_thread_;
  std::vector<std::thread> threads_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<Conn*> live_;
  std::atomic<int> accepted_{0};
  std::atomic<int> finished_{0};
  std::vector<std::string> sni_;
  std::vector<std::string> requests_;
  std::vector<Request> full_requests_;
};

}  // namespace syndicated::testing
