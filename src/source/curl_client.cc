// HttpClient over libcurl.
//
// Connection reuse across threads: every easy handle is attached to one share
// handle holding the connection cache, DNS cache and TLS sessions (libcurl
// locks them through the callbacks below), and finished easy handles go back
// to a pool, so the next request, on any thread, reuses both the handle's
// buffers and an idle keep-alive connection.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

#include "net/curl_share.h"
#include "source/source.h"

namespace sluice::source {
namespace {

constexpr long kReceiveBufferBytes = 256 * 1024;

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The state of one transfer, reached from libcurl's callbacks.
struct Transfer {
  CURL* easy = nullptr;
  BodySink* sink = nullptr;
  HttpResponse response;
  bool is_started = false;  // OnResponse was called
  Status sink_status;

  // Headers of the final response only: a redirect's or 100-continue's are dropped.
  void OnHeaderLine(std::string_view line) {
    line = Trim(line);
    if (line.rfind("HTTP/", 0) == 0) {
      response.headers.clear();
      size_t space = line.find(' ');
      size_t reason = space == std::string_view::npos ? space : line.find(' ', space + 1);
      response.reason =
          reason == std::string_view::npos ? "" : std::string(line.substr(reason + 1));
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return;
    std::string name = ToLower(Trim(line.substr(0, colon)));
    std::string value(Trim(line.substr(colon + 1)));
    auto [it, inserted] = response.headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }

  bool Start() {
    if (is_started) return true;
    is_started = true;
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    sink_status = sink->OnResponse(response);
    return sink_status.has_value();
  }

  bool OnBody(std::string_view bytes) {
    if (!Start()) return false;
    response.bytes_received += bytes.size();
    sink_status = sink->OnBody(bytes);
    return sink_status.has_value();
  }
};

size_t HeaderCallback(char* data, size_t size, size_t count, void* user) {
  static_cast<Transfer*>(user)->OnHeaderLine(std::string_view(data, size * count));
  return size * count;
}

size_t WriteCallback(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  return transfer->OnBody(std::string_view(data, size * count)) ? size * count : 0;
}

struct Timeouts {
  std::chrono::milliseconds connect;
  std::chrono::milliseconds total;
};

Error TransportError(CURLcode code, const char* detail, const HttpRequest& request,
                     Timeouts timeouts) {
  std::string cause = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  std::string where = fmt::format("GET {}", request.url);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Error::DeadlineExceeded("{}: timeout (connect {} ms, total {} ms): {}", where,
                                     timeouts.connect.count(), timeouts.total.count(), cause)
          .Hint("raise source.timeout or source.connect_timeout in the pipeline file");
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Error::Unavailable("{}: cannot connect: {}", where, cause)
          .Hint("check that the server is up and the source connection URL is right");
    case CURLE_PARTIAL_FILE:
      return Error::Unavailable("{}: truncated body: {}", where, cause);
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Error::Unavailable("{}: connection failed: {}", where, cause);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return Error::InvalidArgument("{}: bad URL: {}", where, cause);
    case CURLE_BAD_CONTENT_ENCODING:
      return Error::DataLoss("{}: cannot decode the compressed body: {}", where, cause);
    case CURLE_TOO_MANY_REDIRECTS:
      return Error::FailedPrecondition("{}: {}", where, cause);
    default:
      return Error::Unavailable("{}: {} (curl error {})", where, cause, static_cast<int>(code))
          .Retryable(false);
  }
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpClientOptions& options) : options_(options) {}
  ~CurlHttpClient() override {
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
  }

  Result<HttpResponse> Get(const HttpRequest& request, BodySink& sink) override;

 private:
  CURL* Acquire();
  void Release(CURL* easy);
  Timeouts TimeoutsOf(const HttpRequest& request) const {
    return {
        request.connect_timeout.count() > 0 ? request.connect_timeout : options_.connect_timeout,
        request.total_timeout.count() > 0 ? request.total_timeout : options_.total_timeout};
  }
  curl_slist* Configure(CURL* easy, const HttpRequest& request, Transfer& transfer,
                        char* error_buffer) const;

  HttpClientOptions options_;
  net::CurlShare share_;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

CURL* CurlHttpClient::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CURL* easy = idle_.back();
      idle_.pop_back();
      return easy;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::Release(CURL* easy) {
  curl_easy_reset(easy);
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_handles) {
    idle_.push_back(easy);
    return;
  }
  curl_easy_cleanup(easy);
}

curl_slist* CurlHttpClient::Configure(CURL* easy, const HttpRequest& request, Transfer& transfer,
                                      char* error_buffer) const {
  Timeouts timeouts = TimeoutsOf(request);
  share_.Attach(easy);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we are threaded
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, options_.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, static_cast<long>(options_.max_redirects));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.total.count()));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (!request.user.empty()) {
    curl_easy_setopt(easy, CURLOPT_USERNAME, request.user.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, request.password.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
  if (options_.accept_compressed) curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &HeaderCallback);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &WriteCallback);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, fmt::format("{}: {}", name, value).c_str());
  }
  if (headers != nullptr) curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  return headers;
}

Result<HttpResponse> CurlHttpClient::Get(const HttpRequest& request, BodySink& sink) {
  CURL* easy = Acquire();
  if (easy == nullptr) {
    return Error::ResourceExhausted("GET {}: curl_easy_init failed", request.url);
  }
  Transfer transfer;
  transfer.easy = easy;
  transfer.sink = &sink;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_slist* headers = Configure(easy, request, transfer, error_buffer);
  CURLcode code = curl_easy_perform(easy);
  if (code == CURLE_OK && !transfer.is_started) transfer.Start();  // empty body
  char* effective_url = nullptr;
  curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective_url);
  if (effective_url != nullptr) transfer.response.effective_url = effective_url;
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  transfer.response.connection_reused = connects == 0;
  curl_slist_free_all(headers);
  Release(easy);

  if (!transfer.sink_status) return std::move(transfer.sink_status).error();
  if (code != CURLE_OK) {
    return TransportError(code, error_buffer, request, TimeoutsOf(request));
  }
  return std::move(transfer.response);
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lower_case_name) const {
  auto it = headers.find(std::string(lower_case_name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const HttpClientOptions& options) {
  InitCurlOnce();
  if (options.connect_timeout.count() <= 0 || options.total_timeout.count() <= 0) {
    return Error::InvalidArgument(
        "HTTP client: timeouts must be positive (connect {} ms, total {} ms)",
        options.connect_timeout.count(), options.total_timeout.count());
  }
  return std::unique_ptr<HttpClient>(std::make_unique<CurlHttpClient>(options));
}

}  // namespace sluice::source
