// The Beast/Asio side of the server: acceptors, sessions, timeouts, threads. All request logic
// lives in reply.cpp (build_reply); a session parses a request head, builds a Reply and writes it.
//
// Shape (session lifetime after Beast's advanced_server_flex / http_server_async, boost-1.74.0;
// the hot path is leaner than the examples, for the benchmark against nginx):
// - One io_context per I/O thread, each with its own acceptor on a dup() of one listening socket
//   (bound here, or inherited through socket activation). A connection lives on one thread, so a
//   session needs no strand and a worker's bookkeeping (its session set, its counters, its
//   cached table and Date line) is touched by that thread only.
// - A session is a shared_ptr kept alive by its pending operation, on a plain tcp::socket. Per
//   request: idle (idle_timeout, only when nothing is buffered) -> read and feed the head to a
//   request_parser<empty_body> (header_limit, body_limit 0; read_timeout for the whole head) ->
//   build_reply -> write head + shared body (write_timeout) -> next request or close.
//   Pipelined requests stay in the flat_buffer and are parsed in order.
// - Timeouts: a session stores one deadline; a per-thread sweep (a quarter of the shortest
//   timeout) closes sessions past theirs. No timer is armed and cancelled per operation, which is
//   what beast::tcp_stream would do.
// - Bodies are never copied in user space: the head is formatted into a reusable per-session
//   string. A body the table also placed in a sealed memfd (ResourceTable::Entry, >= 16 KiB by
//   default) goes out with send(MSG_MORE) for the head and sendfile() for the body, so the kernel
//   does not copy it either; any other body is written together with the head from a view of the
//   shared bytes (one sendmsg). The session holds the table (which owns the bytes and the
//   memfds) until the write completes.
// - Accepted connections are placed on the worker with the fewest (Worker::least_loaded), not
//   left on whichever thread's acceptor woke first.
#include "http/server.hpp"

#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "core/time.hpp"
#include "http/body_file.hpp"
#include "http/reply.hpp"

namespace syndicated::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

// Statuses counted individually; anything else lands in the last slot (reported as status 0).
constexpr std::array<unsigned, 16> kTrackedStatuses = {200, 204, 301, 302, 304, 400, 401, 403,
                                                       404, 405, 413, 429, 431, 500, 503, 504};
constexpr std::size_t kStatusSlots = kTrackedStatuses.size() + 1;

std::size_t status_slot(unsigned status) {
  auto it = std::find(kTrackedStatuses.begin(), kTrackedStatuses.end(), status);
  return static_cast<std::size_t>(it - kTrackedStatuses.begin());
}

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxWriteChunk = std::size_t{16} << 20;
constexpr std::size_t kReadBytes = 16 * 1024;
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr std::chrono::milliseconds kAcceptRetry{50};

using Counter = std::atomic<std::uint64_t>;

// Each counter has one writer (its worker's thread), so a plain load+store is enough; stats()
// reads them from any thread.
void bump(Counter& counter, std::uint64_t n = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
std::uint64_t read(const Counter& counter) { return counter.load(std::memory_order_relaxed); }

struct RouteCounters {
  Counter requests{0};
  Counter bytes_sent{0};
  std::array<Counter, kStatusSlots> by_status{};
};

// One per I/O thread, cache-line aligned so the threads never share a line.
struct alignas(64) WorkerStats {
  explicit WorkerStats(std::size_t route_slots)
      : routes(std::make_unique<RouteCounters[]>(route_slots)) {}
  Counter accepted{0};
  Counter rejected{0};
  Counter timed_out{0};
  Counter requests{0};
  Counter bytes_sent{0};
  Counter not_modified{0};
  Counter gzip{0};
  Counter file{0};
  std::array<Counter, kStatusSlots> by_status{};
  // [0] static, [1 + i] the i-th dynamic route, [1 + routes] unmatched.
  std::unique_ptr<RouteCounters[]> routes;
};

// A worker's handle on the current table; sessions copy this (a thread-local refcount) instead of
// the shared table pointer (a refcount all threads would bounce between them).
struct TableRef {
  std::shared_ptr<const ResourceTable> table;
};

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

void append_number(std::string& out, std::uint64_t n) {
  std::array<char, 24> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), n);
  (void)ec;
  out.append(buf.data(), end);
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

// Takes the SIGPIPE that a sendfile() to a reset connection left pending on this (I/O) thread,
// where it is blocked (block_sigpipe), so pending signals do not pile up unseen.
void discard_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  const timespec zero{};
  while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
  }
}

class Session;
struct Worker;

// Everything the server shares between its threads; Server::Impl is this (a named type the
// workers and sessions below can refer to).
struct ServerState {
  explicit ServerState(ServerOptions o) : options(std::move(o)) {}

  void refresh_workers();

  ServerOptions options;
  RouteMap routes;
  std::string cache_control;  // pre-formatted once
  std::string server_line;    // "Server: ...\r\n" or empty

  std::mutex table_mu;
  std::shared_ptr<const ResourceTable> table;
  std::atomic<std::uint64_t> table_version{0};

  std::atomic<std::size_t> active{0};
  std::atomic<std::uint16_t> port{0};

  enum class State { kIdle, kRunning, kStopped };
  std::mutex lifecycle_mu;  // start, stop, set_resources' refresh
  State state = State::kIdle;
  std::vector<std::unique_ptr<Worker>> workers;

  std::mutex exit_mu;
  std::condition_variable exit_cv;
  std::size_t running_threads = 0;

  mutable std::mutex stats_mu;  // guards the vector, not the counters
  std::vector<std::unique_ptr<WorkerStats>> stats;  // outlives the workers
};

struct Worker {
  Worker(ServerState& i, WorkerStats& s) : impl(i), stats(s) {}
  // Sessions still open are destroyed with the io_context, after the timers below are gone.
  ~Worker() { destroying = true; }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  void adopt(tcp::socket socket);
  Worker& least_loaded();
  void begin_stop();
  void start_sweep();
  void on_session_gone();
  const std::shared_ptr<const TableRef>& current_table();
  std::string_view date_line();

  ServerState& impl;
  WorkerStats& stats;
  // Declared before the io_context: sessions destroyed with it still find their set.
  std::unordered_set<Session*> sessions;
  // Connections this worker runs or is about to (accepted elsewhere and posted here); read by the
  // other workers' acceptors to place new connections.
  std::atomic<std::size_t> load{0};
  std::shared_ptr<const TableRef> table;
  std::uint64_t table_version = 0;
  std::string date;
  std::time_t date_second = -1;
  bool stopping = false;
  bool destroying = false;

  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  // Deadlines are checked by one periodic sweep per thread rather than a timer per operation:
  // a session only stores its deadline (see Session::check_deadline).
  net::steady_timer sweep{ioc};
  std::chrono::milliseconds sweep_interval{100};
  std::thread thread;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Worker& worker, tcp::socket socket) : worker_(worker), socket_(std::move(socket)) {
    worker_.sessions.insert(this);
    head_.reserve(1024);
  }
  ~Session() {
    worker_.sessions.erase(this);
    worker_.load.fetch_sub(1, std::memory_order_relaxed);
    worker_.impl.active.fetch_sub(1, std::memory_order_relaxed);
    worker_.on_session_gone();
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    // Raw send()/sendfile() on the zero-copy path must never block the thread (Asio's own
    // operations work the same either way).
    error_code ignored;
    socket_.native_non_blocking(true, ignored);
    // The first head must arrive within read_timeout of the accept.
    state_ = State::kReading;
    set_deadline(options().read_timeout);
    read_more();
  }

  // Stop accepted: connections waiting for a request close now; a response being written is
  // finished (then the connection closes); a lingering close runs out on its own short deadline.
  void graceful_stop() {
    if (state_ == State::kIdle || state_ == State::kReading) close_now();
  }

  // Called by the worker's sweep.
  void check_deadline(Clock::time_point now) {
    if (state_ == State::kClosed || now < deadline_) return;
    if (state_ != State::kLingering) bump(worker_.stats.timed_out);
    close_now();
  }

 private:
  enum class State { kIdle, kReading, kWriting, kLingering, kClosed };

  const ServerOptions& options() const { return worker_.impl.options; }

  void set_deadline(std::chrono::milliseconds timeout) { deadline_ = Clock::now() + timeout; }

  // One read into the buffer. The deadline is per phase, not per read: a head must be complete
  // within read_timeout however its bytes trickle in.
  void read_more() {
    socket_.async_read_some(buffer_.prepare(kReadBytes),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(error_code ec, std::size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) return close_now();  // EOF, reset, or closed by the sweep or stop
    buffer_.commit(n);
    if (state_ == State::kIdle) {  // the first byte of the next request: the head clock starts
      state_ = State::kReading;
      set_deadline(options().read_timeout);
    }
    parse();
  }

  // Feeds buffered bytes to the parser (pipelined requests stay in the buffer for the next turn).
  void parse() {
    if (!parser_) {
      parser_.emplace();
      parser_->header_limit(static_cast<std::uint32_t>(
          std::min<std::size_t>(options().max_header_bytes, UINT32_MAX)));
      parser_->body_limit(0);  // no request bodies here: Content-Length > 0 fails the head
      parser_->eager(false);
    }
    error_code ec;
    while (buffer_.size() > 0 && !parser_->is_header_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec || used == 0) break;
    }
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) {
      if (ec == bhttp::error::header_limit) return send_error(431);
      if (ec == bhttp::error::body_limit) return send_error(413);
      return send_error(400);  // malformed
    }
    if (!parser_->is_header_done()) {
      // Beast enforces header_limit only on what it was given; also cap what we buffer.
      if (buffer_.size() > options().max_header_bytes) return send_error(431);
      return read_more();
    }
    // Chunked (or any body the head announces): not accepted on these routes.
    if (parser_->chunked() || !parser_->is_done()) return send_error(413);
    handle_request();
  }

  void handle_request() {
    const auto& req = parser_->get();
    table_ = worker_.current_table();

    Request request;
    request.method = sv(req.method_string());
    request.target = sv(req.target());
    request.path = request.target.substr(0, request.target.find('?'));
    request.version = req.version();
    request.header = [&req](std::string_view name) -> std::string_view {
      auto it = req.find(beast::string_view(name.data(), name.size()));
      return it == req.end() ? std::string_view{} : sv(it->value());
    };
    const detail::ReplyContext context{table_->table.get(), &worker_.impl.routes,
                                       worker_.impl.cache_control};
    detail::build_reply(request, context, reply_);

    const bool keep_alive = req.keep_alive() && !reply_.close && !worker_.stopping;
    write_reply(req.version() == 10 ? 10 : 11, keep_alive);
  }

  void send_error(unsigned status) {
    detail::build_error_reply(status, false, reply_);
    write_reply(11, false);
  }

  void write_reply(unsigned version, bool keep_alive) {
    keep_alive_ = keep_alive;
    head_.clear();
    head_.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    append_number(head_, reply_.status);
    head_.push_back(' ');
    head_.append(detail::reason_phrase(reply_.status));
    head_.append("\r\n");
    head_.append(worker_.impl.server_line);
    head_.append(worker_.date_line());
    for (std::size_t i = 0; i < reply_.header_count; ++i) append_field(reply_.headers[i]);
    if (reply_.has_dynamic_headers) {
      for (const auto& [name, value] : reply_.dynamic.headers)
        if (detail::keep_dynamic_header(name, value)) append_field({name, value});
    }
    if (!keep_alive)
      head_.append("Connection: close\r\n");
    else if (version == 10)
      head_.append("Connection: keep-alive\r\n");
    head_.append("\r\n");

    state_ = State::kWriting;
    set_deadline(options().write_timeout);
    if (reply_.file != nullptr && reply_.file->size() == reply_.body.size()) {
      head_sent_ = 0;
      file_sent_ = 0;
      from_file_ = true;
      return send_file();
    }
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(head_), net::buffer(reply_.body.data(), reply_.body.size())};
    // Asio's transfer_all() caps each sendmsg() at 64 KiB, which makes a 250 KB feed four
    // syscalls; let one call take whatever the (enlarged) send buffer holds.
    net::async_write(
        socket_, buffers,
        [](const error_code& ec, std::size_t) -> std::size_t { return ec ? 0 : kMaxWriteChunk; },
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
  }

  // The zero-copy path for bodies with a memfd: the head with MSG_MORE (it leaves with the
  // body's first bytes, not as a segment of its own), then sendfile() from the memfd, which hands
  // the socket references to the file's pages instead of copying 250 KB from user memory per
  // response. Non-blocking: on EAGAIN wait for the socket to become writable and carry on. The
  // write deadline set in write_reply() covers the whole loop (the sweep closes the socket, which
  // aborts the wait).
  void send_file() {
    const int sock = socket_.native_handle();
    while (head_sent_ < head_.size()) {
      const ssize_t n = ::send(sock, head_.data() + head_sent_, head_.size() - head_sent_,
                               MSG_MORE | MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) {
        head_sent_ += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return wait_writable();
      return on_write(error_code(errno, boost::system::system_category()), head_sent_);
    }
    const std::size_t size = reply_.file->size();
    while (file_sent_ < size) {
      off_t offset = static_cast<off_t>(file_sent_);
      const ssize_t n = ::sendfile(sock, reply_.file->fd(), &offset, size - file_sent_);
      if (n > 0) {
        file_sent_ += static_cast<std::size_t>(n);
        continue;
      }
      const int err = n == 0 ? EIO : errno;  // 0: the sealed file is shorter (cannot happen)
      if (err == EINTR) continue;
      if (err == EAGAIN || err == EWOULDBLOCK) return wait_writable();
      // sendfile() refused outright (filtered by seccomp, say): the rest from memory.
      if (err == ENOSYS || err == EPERM || err == EINVAL || err == EOPNOTSUPP)
        return write_rest_from_memory();
      if (err == EPIPE) discard_sigpipe();
      return on_write(error_code(err, boost::system::system_category()), head_sent_ + file_sent_);
    }
    on_write({}, head_sent_ + file_sent_);
  }

  void wait_writable() {
    socket_.async_wait(tcp::socket::wait_write, [self = shared_from_this()](error_code ec) {
      if (ec || self->state_ == State::kClosed)  // closed by the sweep or stop
        return self->on_write(ec ? ec : net::error::operation_aborted,
                              self->head_sent_ + self->file_sent_);
      self->send_file();
    });
  }

  void write_rest_from_memory() {
    from_file_ = false;
    const std::size_t already = head_sent_ + file_sent_;
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(head_) + head_sent_, net::buffer(reply_.body.data(), reply_.body.size()) +
                                             file_sent_};
    net::async_write(
        socket_, buffers,
        [](const error_code& ec, std::size_t) -> std::size_t { return ec ? 0 : kMaxWriteChunk; },
        [self = shared_from_this(), already](error_code ec, std::size_t n) {
          self->on_write(ec, already + n);
        });
  }

  void append_field(const detail::HeaderView& field) {
    head_.append(field.name);
    head_.append(": ");
    head_.append(field.value);
    head_.append("\r\n");
  }

  void on_write(error_code ec, std::size_t bytes) {
    account(bytes);
    from_file_ = false;
    reply_.reset();  // drops views into the table first
    table_.reset();
    parser_.reset();
    if (state_ == State::kClosed) return;
    if (ec) return close_now();
    if (!keep_alive_ || worker_.stopping) return linger_close();
    if (buffer_.size() > 0) {  // a pipelined request is already here
      state_ = State::kReading;
      set_deadline(options().read_timeout);
      return parse();
    }
    // Keep-alive: wait up to idle_timeout for the first byte, then read_timeout for the head.
    state_ = State::kIdle;
    set_deadline(options().idle_timeout);
    read_more();
  }

  void account(std::size_t bytes) {
    WorkerStats& s = worker_.stats;
    const std::size_t slot = status_slot(reply_.status);
    bump(s.requests);
    bump(s.bytes_sent, bytes);
    bump(s.by_status[slot]);
    if (reply_.status == 304) bump(s.not_modified);
    if (reply_.status == 200 && reply_.gzip) bump(s.gzip);
    if (from_file_) bump(s.file);
    std::size_t route = 0;
    switch (reply_.route) {
      case detail::RouteKind::kStatic: route = 0; break;
      case detail::RouteKind::kDynamic: route = 1 + reply_.route_index; break;
      case detail::RouteKind::kUnmatched: route = 1 + worker_.impl.routes.size(); break;
    }
    RouteCounters& r = s.routes[route];
    bump(r.requests);
    bump(r.bytes_sent, bytes);
    bump(r.by_status[slot]);
  }

  // Half-close, then read and discard until the peer closes (or a short deadline), so bytes the
  // client already sent (pipelined requests, an unread body) do not make the kernel answer with
  // a reset that could destroy our response before the client reads it.
  void linger_close() {
    state_ = State::kLingering;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close_now();
    set_deadline(std::min<std::chrono::milliseconds>(options().read_timeout, kMaxLinger));
    discard();
  }

  void discard() {
    socket_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](error_code ec, std::size_t) {
                              if (ec) return self->close_now();
                              self->discard();
                            });
  }

  void close_now() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);  // pending operations complete with operation_aborted
  }

  Worker& worker_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::empty_body>> parser_;
  std::shared_ptr<const TableRef> table_;  // keeps the body bytes alive while reply_ is written
  detail::Reply reply_;
  std::string head_;
  State state_ = State::kReading;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool keep_alive_ = false;
  std::size_t head_sent_ = 0;  // the sendfile path's progress
  std::size_t file_sent_ = 0;
  bool from_file_ = false;  // the body went (or is going) out with sendfile()
  std::array<char, 1024> discard_{};
};

// Every worker's acceptor waits on the same listening socket, and the one that wakes first
// accepts whatever is queued in a row (Asio retries accept() at once). A burst of connections, such
// as wrk's 64 at start-up, could then land mostly on one thread, whose connections would all wait
// longer (the tail latency) while the other thread idles. So each accept is placed on the worker
// with the fewest connections, whichever thread accepted it.
Worker& Worker::least_loaded() {
  Worker* best = this;
  std::size_t best_load = load.load(std::memory_order_relaxed);
  for (const auto& w : impl.workers) {
    const std::size_t l = w->load.load(std::memory_order_relaxed);
    if (l < best_load) {
      best = w.get();
      best_load = l;
    }
  }
  return *best;
}

void Worker::do_accept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

// A descriptor in transit to another worker: closed unless adopted (if that worker's io_context
// is destroyed before the handler runs). Only a plain descriptor crosses threads, never an
// operation or a socket bound to another io_context, so the io_contexts can be destroyed in any
// order.
class PendingFd {
 public:
  explicit PendingFd(int fd) : fd_(fd) {}
  PendingFd(PendingFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  PendingFd& operator=(PendingFd&&) = delete;
  ~PendingFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int take() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

void Worker::on_accept(error_code ec, tcp::socket socket) {
  if (stopping || !acceptor.is_open()) return;
  if (ec) {
    // EMFILE, ENOBUFS, a connection reset before accept...: try again shortly (immediately would
    // spin while the condition lasts).
    accept_retry.expires_after(kAcceptRetry);
    accept_retry.async_wait([this](error_code wait_ec) {
      if (!wait_ec && !stopping) do_accept();
    });
    return;
  }
  Worker& target = least_loaded();
  if (&target == this) {
    load.fetch_add(1, std::memory_order_relaxed);
    adopt(std::move(socket));
  } else {
    error_code ignored;
    const tcp protocol = socket.local_endpoint(ignored).protocol();
    const int fd = socket.release(ignored);
    if (fd >= 0) {
      target.load.fetch_add(1, std::memory_order_relaxed);  // counted now, for the next placement
      net::post(target.ioc, [t = &target, protocol, pending = PendingFd(fd)]() mutable {
        tcp::socket adopted(t->ioc);
        error_code assign_ec;
        const int raw = pending.take();
        adopted.assign(protocol, raw, assign_ec);
        if (assign_ec) {
          ::close(raw);
          t->load.fetch_sub(1, std::memory_order_relaxed);
          return;
        }
        t->adopt(std::move(adopted));
      });
    }
  }
  do_accept();
}

// On this worker's thread, for a connection counted in `load`.
void Worker::adopt(tcp::socket socket) {
  error_code ignored;
  if (stopping ||
      impl.active.fetch_add(1, std::memory_order_relaxed) >= impl.options.max_connections) {
    if (!stopping) {
      impl.active.fetch_sub(1, std::memory_order_relaxed);
      bump(stats.rejected);
    }
    load.fetch_sub(1, std::memory_order_relaxed);
    socket.close(ignored);
    return;
  }
  bump(stats.accepted);
  socket.set_option(tcp::no_delay(true), ignored);
  // A whole feed (a few hundred KB) fits the send buffer, so a response is one sendmsg() rather
  // than several partial ones.
  if (impl.options.send_buffer_bytes > 0)
    socket.set_option(net::socket_base::send_buffer_size(impl.options.send_buffer_bytes), ignored);
  std::make_shared<Session>(*this, std::move(socket))->start();
}

void Worker::start_sweep() {
  sweep.expires_after(sweep_interval);
  sweep.async_wait([this](error_code ec) {
    if (ec) return;
    const Clock::time_point now = Clock::now();
    std::vector<Session*> current(sessions.begin(), sessions.end());
    for (Session* s : current) s->check_deadline(now);
    // While stopping, the last session's destructor ends the sweep (and with it run()).
    if (!stopping || !sessions.empty()) start_sweep();
  });
}

void Worker::on_session_gone() {
  if (!destroying && stopping && sessions.empty()) sweep.cancel();
}

void Worker::begin_stop() {
  stopping = true;
  error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  // graceful_stop() may close sessions; they leave the set only when destroyed, but copy anyway.
  std::vector<Session*> current(sessions.begin(), sessions.end());
  for (Session* s : current) s->graceful_stop();
  if (sessions.empty()) sweep.cancel();
}

const std::shared_ptr<const TableRef>& Worker::current_table() {
  const std::uint64_t version = impl.table_version.load(std::memory_order_acquire);
  if (!table || version != table_version) {
    std::lock_guard lock(impl.table_mu);
    table = std::make_shared<const TableRef>(TableRef{impl.table});
    table_version = impl.table_version.load(std::memory_order_relaxed);
  }
  return table;
}

std::string_view Worker::date_line() {
  // Transport only: the Date header is read from the wall clock at most once a second per thread;
  // the request logic (build_reply) never sees a clock.
  const std::time_t now = std::time(nullptr);
  if (now != date_second) {
    date_second = now;
    date = "Date: " + core::format_http_date(static_cast<std::int64_t>(now)) + "\r\n";
  }
  return date;
}

// sendfile() has no MSG_NOSIGNAL: writing to a connection the peer has reset raises SIGPIPE,
// whose default action ends the process. The signal goes to the thread that wrote; blocked there,
// it stays pending (see discard_sigpipe) and the call fails with EPIPE instead. No process-wide
// disposition is changed.
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string errno_text(int err) {
  std::array<char, 256> buf{};
  // GNU strerror_r returns the message pointer (maybe not buf).
  return ::strerror_r(err, buf.data(), buf.size());
}

void ServerState::refresh_workers() {
  for (auto& w : workers) {
    Worker* raw = w.get();
    net::post(raw->ioc, [raw] { raw->current_table(); });
  }
}

}  // namespace

struct Server::Impl : ServerState {
  using ServerState::ServerState;
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->cache_control = detail::format_cache_control(impl_->options.max_age_seconds);
  const std::string& server = impl_->options.server_header;
  if (!server.empty() && !has_crlf(server)) impl_->server_line = "Server: " + server + "\r\n";
}

Server::~Server() { stop(); }

core::Status Server::start() {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  Impl& impl = *impl_;
  if (impl.state != ServerState::State::kIdle)
    return core::make_error("server already started or stopped", "http server");
  const ServerOptions& options = impl.options;
  const std::size_t threads = std::max<std::size_t>(1, options.threads);

  {
    std::lock_guard lock(impl.stats_mu);
    impl.stats.clear();
    for (std::size_t i = 0; i < threads; ++i)
      impl.stats.push_back(std::make_unique<WorkerStats>(impl.routes.size() + 2));
  }
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t i = 0; i < threads; ++i)
    workers.push_back(std::make_unique<Worker>(impl, *impl.stats[i]));

  std::uint16_t bound_port = 0;
  if (options.listen_fd) {
    const int fd = *options.listen_fd;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const int err = errno;
      return core::make_error("listen fd " + std::to_string(fd) + " is not a socket: " +
                                  errno_text(err),
                              "http server");
    }
    const tcp protocol = addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
    for (auto& w : workers) {
      const int dup_fd = ::dup(fd);  // each acceptor owns (and closes) its own descriptor
      if (dup_fd < 0) {
        const int err = errno;
        return core::make_error("cannot dup listen fd " + std::to_string(fd) + ": " +
                                    errno_text(err),
                                "http server");
      }
      error_code ec;
      w->acceptor.assign(protocol, dup_fd, ec);
      if (ec) {
        ::close(dup_fd);
        return core::make_error("cannot adopt listen fd " + std::to_string(fd) + ": " +
                                    ec.message(),
                                "http server");
      }
    }
    error_code ec;
    bound_port = workers.front()->acceptor.local_endpoint(ec).port();
  } else {
    error_code ec;
    const auto address = net::ip::make_address(options.address, ec);
    if (ec)
      return core::make_error("invalid listen address '" + options.address + "': " + ec.message(),
                              "http server");
    const std::uint16_t port = options.port;
    const tcp::endpoint endpoint(address, port);
    auto fail = [&](const char* what) {
      return core::make_error(std::string("cannot ") + what + " " + options.address + ":" +
                                  std::to_string(port) + ": " + ec.message(),
                              "http server");
    };
    // One listening socket, bound without SO_REUSEPORT so that a second daemon on the same port
    // fails loudly instead of silently sharing the traffic; every other thread's acceptor owns a
    // dup() of it.
    auto& first = workers.front()->acceptor;
    first.open(endpoint.protocol(), ec);
    if (ec) return fail("open a socket for");
    first.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) return fail("set SO_REUSEADDR on");
    first.bind(endpoint, ec);
    if (ec) return fail("bind");
    first.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen on");
    bound_port = first.local_endpoint(ec).port();
    if (ec) return fail("read the bound port of");
    for (std::size_t i = 1; i < workers.size(); ++i) {
      const int dup_fd = ::dup(first.native_handle());
      if (dup_fd < 0) {
        ec.assign(errno, boost::system::system_category());
        return fail("dup the listening socket of");
      }
      workers[i]->acceptor.assign(endpoint.protocol(), dup_fd, ec);
      if (ec) {
        ::close(dup_fd);
        return fail("adopt the listening socket of");
      }
    }
  }

  impl.port.store(bound_port);
  impl.workers = std::move(workers);
  {
    std::lock_guard lock(impl.exit_mu);
    impl.running_threads = impl.workers.size();
  }
  for (auto& w : impl.workers) {
    Worker* raw = w.get();
    // A quarter of the shortest timeout, between 5 ms and 250 ms: deadlines are late by at most
    // that much.
    const auto shortest = std::min({options.read_timeout, options.idle_timeout,
                                    options.write_timeout, kMaxLinger});
    raw->sweep_interval = std::clamp<std::chrono::milliseconds>(
        shortest / 4, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
    raw->do_accept();
    raw->start_sweep();
    raw->thread = std::thread([raw, &impl] {
      block_sigpipe();
      for (;;) {
        try {
          raw->ioc.run();
          break;
        } catch (const std::exception&) {
          // A handler threw (bad_alloc, a bug): that connection is lost, the thread carries on.
        }
      }
      std::lock_guard lock(impl.exit_mu);
      --impl.running_threads;
      impl.exit_cv.notify_all();
    });
  }
  impl.state = ServerState::State::kRunning;
  return core::Ok{};
}

void Server::stop(std::chrono::milliseconds grace) {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  Impl& impl = *impl_;
  if (impl.state != ServerState::State::kRunning) {
    impl.state = ServerState::State::kStopped;
    return;
  }
  impl.state = ServerState::State::kStopped;
  for (auto& w : impl.workers) {
    Worker* raw = w.get();
    net::post(raw->ioc, [raw] { raw->begin_stop(); });
  }
  {
    // A thread's run() returns once its acceptor is closed and its last connection is gone.
    std::unique_lock lock(impl.exit_mu);
    impl.exit_cv.wait_for(lock, grace, [&] { return impl.running_threads == 0; });
  }
  for (auto& w : impl.workers) w->ioc.stop();
  for (auto& w : impl.workers)
    if (w->thread.joinable()) w->thread.join();
  // Destroying the io_contexts destroys the handlers of connections still open after the grace,
  // and with them their sockets.
  impl.workers.clear();
}

std::uint16_t Server::port() const { return impl_->port.load(); }

void Server::set_resources(std::shared_ptr<const ResourceTable> table) {
  {
    std::lock_guard lock(impl_->table_mu);
    impl_->table = std::move(table);
    impl_->table_version.fetch_add(1, std::memory_order_release);
  }
  // Idle threads let go of the old table now rather than at their next request.
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (impl_->state == ServerState::State::kRunning) impl_->refresh_workers();
}

void Server::add_route(std::string path, DynamicHandler handler) {
  std::lock_guard lifecycle(impl_->lifecycle_mu);
  if (impl_->state != ServerState::State::kIdle)
    throw std::logic_error("http::Server::add_route after start(): " + path);
  impl_->routes.insert_or_assign(std::move(path), std::move(handler));
}

ServerStats Server::stats() const {
  ServerStats out;
  out.active_connections = impl_->active.load(std::memory_order_relaxed);
  std::lock_guard lock(impl_->stats_mu);
  const std::size_t dynamic_routes = impl_->stats.empty() ? 0 : impl_->routes.size();
  std::array<std::uint64_t, kStatusSlots> by_status{};
  struct RouteSum {
    std::uint64_t requests = 0, bytes = 0;
    std::array<std::uint64_t, kStatusSlots> by_status{};
  };
  std::vector<RouteSum> routes(impl_->stats.empty() ? 0 : dynamic_routes + 2);
  for (const auto& s : impl_->stats) {
    out.connections_accepted += read(s->accepted);
    out.connections_rejected += read(s->rejected);
    out.connections_timed_out += read(s->timed_out);
    out.requests += read(s->requests);
    out.bytes_sent += read(s->bytes_sent);
    out.not_modified += read(s->not_modified);
    out.gzip_responses += read(s->gzip);
    out.file_responses += read(s->file);
    for (std::size_t i = 0; i < kStatusSlots; ++i) by_status[i] += read(s->by_status[i]);
    for (std::size_t r = 0; r < routes.size(); ++r) {
      routes[r].requests += read(s->routes[r].requests);
      routes[r].bytes += read(s->routes[r].bytes_sent);
      for (std::size_t i = 0; i < kStatusSlots; ++i)
        routes[r].by_status[i] += read(s->routes[r].by_status[i]);
    }
  }
  auto statuses = [](const std::array<std::uint64_t, kStatusSlots>& counts) {
    std::vector<StatusCount> list;
    // The "other" slot (status 0) sorts first.
    if (counts[kStatusSlots - 1] != 0) list.push_back({0, counts[kStatusSlots - 1]});
    for (std::size_t i = 0; i < kTrackedStatuses.size(); ++i)
      if (counts[i] != 0) list.push_back({kTrackedStatuses[i], counts[i]});
    return list;
  };
  out.responses_by_status = statuses(by_status);
  std::size_t index = 0;
  auto route_name = [&](std::size_t r) -> std::string {
    if (r == 0) return "static";
    if (r == dynamic_routes + 1) return "unmatched";
    auto it = impl_->routes.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(r - 1));
    return it->first;
  };
  for (const RouteSum& r : routes) {
    out.routes.push_back({route_name(index), r.requests, r.bytes, statuses(r.by_status)});
    ++index;
  }
  return out;
}

}  // namespace syndicated::http
