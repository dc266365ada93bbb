// The server: httplib underneath, one dispatch for every request (route,
// authenticate, check the role and CSRF, run the handler), the UI's static
// files for everything else, and one log line per request.
#include <spdlog/spdlog.h>

#include <thread>

#include "server/context.h"
#include "server/static_assets.h"

namespace sluice::server {
namespace {

constexpr size_t kMaxTargetBytes = 4096;

struct RequestLog {
  std::chrono::steady_clock::time_point start;
  std::string user = "-";
};
thread_local RequestLog request_log;

// The target with the query values of token-like keys masked.
std::string LoggablePath(const httplib::Request& request) {
  std::string_view target = request.target;
  size_t question = target.find('?');
  std::string out(target.substr(0, question));
  if (question == std::string_view::npos) return MaskSecrets(out);
  std::string_view query = target.substr(question + 1);
  char separator = '?';
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string_view key = pair.substr(0, pair.find('='));
    bool secret = key.find("token") != std::string_view::npos ||
                  key.find("password") != std::string_view::npos ||
                  key.find("secret") != std::string_view::npos;
    out += separator;
    out += secret ? std::string(key) + "=***" : std::string(pair);
    separator = '&';
  }
  return MaskSecrets(out);
}

bool ChangesState(const std::string& method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

bool IsApiPath(std::string_view path) {
  return path.starts_with("/api/") || path == "/api" || path.starts_with("/auth/") ||
         path == "/health" || path == "/metrics";
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 413:
      return "Request body too large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    default:
      return fmt::format("HTTP {}", status);
  }
}

void Send(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  if (reply.stream_size) {
    response.set_content_provider(*reply.stream_size, reply.content_type, reply.stream);
  } else {
    response.set_content(reply.body, reply.content_type);
  }
}

}  // namespace

struct WebServer::Impl {
  explicit Impl(ServerOptions server_options) : options(std::move(server_options)) {}

  // Who is calling and whether they may: nullopt when the handler may run.
  std::optional<Reply> Admit(const Route& route, Call& call) {
    if (route.access == Access::kPublic) return std::nullopt;
    Principal principal;
    switch (context->auth.Authenticate(call.request, &principal)) {
      case Authenticator::Outcome::kAnonymous: {
        Reply reply = DetailReply(401, "Not authenticated");
        reply.headers.emplace_back("WWW-Authenticate", "Bearer");
        return reply;
      }
      case Authenticator::Outcome::kInvalid:
        return DetailReply(403, "Invalid JWT token or session");
      case Authenticator::Outcome::kAuthenticated:
        break;
    }
    request_log.user = principal.username;
    if (!Allows(route.access, principal.role)) return DetailReply(403, "Forbidden");
    if (principal.via_session && ChangesState(route.method)) {
      std::string sent = call.request.get_header_value(std::string(kCsrfHeader));
      if (sent.empty() || sent != principal.csrf_token) {
        return DetailReply(403,
                           "CSRF token missing or incorrect: send the session's token in "
                           "the X-CSRF-Token header");
      }
    }
    call.principal = std::move(principal);
    return std::nullopt;
  }

  void Dispatch(const httplib::Request& request, httplib::Response& response) {
    std::string_view target = request.target;
    std::string_view path = target.substr(0, target.find('?'));
    if (!IsApiPath(path)) {
      if (request.method != "GET" && request.method != "HEAD") {
        return Send(DetailReply(405, "Method Not Allowed"), response);
      }
      return Send(ServeStatic(std::string(path), options.ui_folder), response);
    }
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    switch (router.Find(request.method, path, &route, &params)) {
      case Router::Match::kNoRoute:
        return Send(DetailReply(404, "Not Found"), response);
      case Router::Match::kWrongMethod:
        return Send(DetailReply(405, "Method Not Allowed"), response);
      case Router::Match::kFound:
        break;
    }
    Call call{request, std::move(params), std::nullopt};
    if (auto refused = Admit(*route, call)) return Send(*refused, response);
    Reply reply = route->handler(call);
    reply.headers.emplace_back("Cache-Control", "no-store");
    Send(reply, response);
  }

  void Configure() {
    http.new_task_queue = [threads = options.threads] {
      return new httplib::ThreadPool(static_cast<size_t>(std::max(2, threads)));
    };
    http.set_payload_max_length(options.max_body_bytes);
    http.set_read_timeout(std::chrono::seconds(30));
    // Headers and body go out in two writes: with Nagle's algorithm the body then waited for
    // the client's delayed ACK, about 40 ms per answer on a kept-alive connection.
    http.set_tcp_nodelay(true);
    http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "same-origin"}});
    http.set_pre_routing_handler([](const httplib::Request& request, httplib::Response& response) {
      request_log = RequestLog{std::chrono::steady_clock::now(), "-"};
      if (request.target.size() > kMaxTargetBytes) {
        Send(DetailReply(414, "URI Too Long"), response);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
      Dispatch(request, response);
    };
    http.Get(".*", dispatch);
    http.Post(".*", dispatch);
    http.Patch(".*", dispatch);
    http.Put(".*", dispatch);
    http.Delete(".*", dispatch);
    http.Options(".*", dispatch);
    http.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
          spdlog::error("{} {}: the handler failed unexpectedly", request.method,
                        LoggablePath(request));
          Send(DetailReply(500, "Internal Server Error"), response);
        });
    http.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& response) {
          if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          std::string detail = StatusText(response.status);
          Send(DetailReply(response.status, detail), response);
          return httplib::Server::HandlerResponse::Handled;
        }));
    http.set_logger([](const httplib::Request& request, const httplib::Response& response) {
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                            request_log.start)
                      .count();
      spdlog::info("{} {} {} {:.1f}ms user={}", request.method, LoggablePath(request),
                   response.status, ms, request_log.user);
    });
  }

  ServerOptions options;
  std::unique_ptr<SystemClock> system_clock;
  std::unique_ptr<ServerContext> context;
  Router router;
  httplib::Server http;
  std::thread thread;
  int port = 0;
  bool running = false;
};

WebServer::WebServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

WebServer::~WebServer() { Stop(); }

Status WebServer::Start() {
  Impl& impl = *impl_;
  if (impl.running) return OkStatus();
  if (impl.options.metastore == nullptr || impl.options.home.empty()) {
    return Error::InvalidArgument("web server: the metadata store and home are required");
  }
  SLUICE_TRY(impl.options.metastore->Check());
  SLUICE_ASSIGN_OR_RETURN(std::string secret_key, LoadOrCreateSecretKey(impl.options.home));
  Clock* clock = impl.options.clock;
  if (clock == nullptr) {
    impl.system_clock = std::make_unique<SystemClock>();
    clock = impl.system_clock.get();
  }
  metadb::MetaStore& store = *impl.options.metastore;
  impl.context.reset(new ServerContext{impl.options, store, *clock,
                                       Authenticator(store, *clock, secret_key, impl.options),
                                       DagCatalog(store)});
  ServerContext& context = *impl.context;
  for (auto add :
       {AddAuthRoutes, AddDagRoutes, AddRunRoutes, AddTaskRoutes, AddLogRoutes, AddMonitorRoutes,
        AddMetricsRoutes, AddGraphRoutes, AddLineageRoutes, AddLakeRoutes}) {
    add(impl.router, context);
  }
  AddOpenApiRoute(impl.router);
  impl.Configure();
  impl.port =
      impl.options.port == 0
          ? impl.http.bind_to_any_port(impl.options.host)
          : (impl.http.bind_to_port(impl.options.host, impl.options.port) ? impl.options.port : -1);
  if (impl.port <= 0) {
    return Error::Unavailable("web server: cannot listen on {}:{}", impl.options.host,
                              impl.options.port)
        .Hint("is another process using the port? choose another with --port");
  }
  impl.thread = std::thread([&impl] { impl.http.listen_after_bind(); });
  impl.running = true;
  return OkStatus();
}

void WebServer::Stop() {
  Impl& impl = *impl_;
  if (!impl.running) return;
  impl.http.stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.running = false;
}

int WebServer::port() const { return impl_->port; }

std::string WebServer::url() const {
  return fmt::format("http://{}:{}", impl_->options.host, impl_->port);
}

}  // namespace sluice::server
