#include "lake/s3_client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <random>

namespace sluice::lake {
namespace {

constexpr size_t kMaxIdleHandles = 16;
// Under the 1 MiB mmap threshold set in main: what the heap would keep anyway.
constexpr size_t kMaxSpareBufferBytes = size_t{1} << 20;
constexpr size_t kMaxSpareBuffers = 4;
constexpr size_t kMaxResponseBody = 64u << 20;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

std::string HostHeader(const S3Config& config, std::string_view bucket) {
  std::string host = config.virtual_style && !bucket.empty()
                         ? fmt::format("{}.{}", bucket, config.host)
                         : config.host;
  if (config.port) host += fmt::format(":{}", *config.port);
  return host;
}

std::string CanonicalUri(const S3Config& config, const S3Request& request) {
  std::string encoded_key = PercentEncode(request.key, /*keep_slash=*/true);
  if (config.virtual_style && !request.bucket.empty()) return "/" + encoded_key;
  std::string uri = "/" + request.bucket;
  if (!request.key.empty()) uri += "/" + encoded_key;
  return uri;
}

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// 127.0.0.0/8, ::1 and localhost: no network between this process and the server.
bool IsLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return text == "localhost";
}

}  // namespace

std::string S3Config::Describe() const {
  std::string out = "s3://" + host;
  if (port) out += fmt::format(":{}", *port);
  return out;
}

Result<S3Config> ParseS3Url(const Url& url, const LakeOptions& options) {
  S3Config config;
  config.options = options;
  if (url.host.empty()) {
    return Error::InvalidArgument("lake URL {}: no host", url.ToString())
        .Hint("write s3://KEY:SECRET@host:port?tls=false&region=us-east-1");
  }
  config.host = url.host;
  config.port = url.port;
  std::string tls = url.QueryOr("tls", "true");
  if (tls != "true" && tls != "false") {
    return Error::InvalidArgument("lake URL {}: tls must be true or false, not '{}'",
                                  url.ToString(), tls);
  }
  config.tls = tls == "true";
  config.region = url.QueryOr("region", "us-east-1");
  std::string style = url.QueryOr("style", "path");
  if (style != "path" && style != "virtual") {
    return Error::InvalidArgument("lake URL {}: style must be path or virtual, not '{}'",
                                  url.ToString(), style);
  }
  config.virtual_style = style == "virtual";
  std::string payload = url.QueryOr("payload", "auto");
  if (payload != "auto" && payload != "signed" && payload != "unsigned") {
    return Error::InvalidArgument("lake URL {}: payload must be auto, signed or unsigned, not '{}'",
                                  url.ToString(), payload);
  }
  config.sign_payload =
      payload == "signed" || (payload == "auto" && !config.tls && !IsLoopbackHost(config.host));
  for (const auto& [name, value] : url.query) {
    if (name != "tls" && name != "region" && name != "style" && name != "payload") {
      return Error::InvalidArgument("lake URL {}: unknown parameter '{}'", url.ToString(), name)
          .Hint("known parameters: tls, region, style, payload");
    }
  }
  if (!url.user.empty() || url.has_password) {
    config.credentials = {url.user, url.password, ""};
  } else {
    config.credentials = {options.access_key, options.secret_key, options.session_token};
  }
  if (config.credentials.access_key.empty() || config.credentials.secret_key.empty()) {
    return Error::Unauthenticated("lake URL {}: no S3 credentials", url.ToString())
        .Hint(
            "write s3://ACCESS_KEY:SECRET_KEY@host:port (URL-encoded) or set "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  RegisterSecret(config.credentials.access_key);
  RegisterSecret(config.credentials.secret_key);
  RegisterSecret(config.credentials.session_token);
  return config;
}

std::string S3Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

S3Transfer::S3Transfer(S3Client* client, CURL* easy) : client_(client), easy_(easy) {}

S3Transfer::~S3Transfer() {
  curl_slist_free_all(header_list_);
  client_->ReleaseHandle(easy_);
}

size_t S3Transfer::HeaderCallback(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<S3Transfer*>(self);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue, too)
    transfer->response_.headers.clear();
    size_t space = line.find(' ');
    transfer->response_.status = space == std::string_view::npos
                                     ? 0
                                     : std::atol(std::string(line.substr(space + 1)).c_str());
    transfer->headers_done_ = false;
  } else if (line == "\r\n" || line == "\n") {
    transfer->headers_done_ = transfer->response_.status >= 200;
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    transfer->response_.headers[name] = Trim(line.substr(colon + 1));
  }
  return size * count;
}

size_t S3Transfer::WriteCallback(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<S3Transfer*>(self);
  if (transfer->on_body) return transfer->on_body(data, size * count);
  if (transfer->response_.body.size() + size * count > kMaxResponseBody) return 0;
  transfer->response_.body.append(data, size * count);
  return size * count;
}

size_t S3Transfer::ReadCallback(char* data, size_t size, size_t count, void* self) {
  auto* transfer = static_cast<S3Transfer*>(self);
  size_t n = std::min(size * count, transfer->upload_.size() - transfer->upload_offset_);
  std::copy_n(transfer->upload_.data() + transfer->upload_offset_, n, data);
  transfer->upload_offset_ += n;
  return n;
}

int S3Transfer::SeekCallback(void* self, curl_off_t offset, int origin) {
  auto* transfer = static_cast<S3Transfer*>(self);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > transfer->upload_.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->upload_offset_ = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

int S3Transfer::ProgressCallback(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<S3Transfer*>(self);
  return transfer->cancel != nullptr && transfer->cancel->load() ? 1 : 0;
}

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  InitCurlOnce();
  clock_ = config_.options.clock;
  if (clock_ == nullptr) {
    own_clock_ = std::make_unique<SystemClock>();
    clock_ = own_clock_.get();
  }
}

S3Client::~S3Client() {
  for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
}

CURL* S3Client::AcquireHandle() {
  CURL* easy = nullptr;
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_handles_.empty()) {
      easy = idle_handles_.back();
      idle_handles_.pop_back();
    }
  }
  if (easy == nullptr) return curl_easy_init();
  curl_easy_reset(easy);  // forgets the options, the share too
  return easy;
}

void S3Client::ReleaseHandle(CURL* easy) {
  {
    std::lock_guard lock(pool_mutex_);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(easy);
      return;
    }
  }
  curl_easy_cleanup(easy);
}

std::string S3Client::TakeBuffer() {
  std::lock_guard lock(pool_mutex_);
  if (spare_buffers_.empty()) return {};
  std::string buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  return buffer;
}

void S3Client::GiveBuffer(std::string buffer) {
  if (buffer.capacity() == 0 || buffer.capacity() > kMaxSpareBufferBytes) return;
  buffer.clear();
  std::lock_guard lock(pool_mutex_);
  if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(std::move(buffer));
}

Result<std::unique_ptr<S3Transfer>> S3Client::Prepare(const S3Request& request) {
  CURL* easy = AcquireHandle();
  if (easy == nullptr) return Error::ResourceExhausted("curl_easy_init failed (out of memory?)");
  auto transfer = std::make_unique<S3Transfer>(this, easy);
  transfer->cancel = request.cancel;
  std::string uri = CanonicalUri(config_, request);
  std::string query = sigv4::CanonicalQuery(request.query);
  std::string host = HostHeader(config_, request.bucket);
  transfer->url_ = fmt::format("{}://{}{}{}{}", config_.tls ? "https" : "http", host, uri,
                               query.empty() ? "" : "?", query);
  std::string payload_hash = !config_.sign_payload         ? std::string(kUnsignedPayload)
                             : request.body_sha256.empty() ? sigv4::Sha256Hex(request.body)
                                                           : std::string(request.body_sha256);
  std::string amz_date = sigv4::AmzDate(clock_->Now());
  sigv4::Request signing{request.method, uri, request.query, request.headers, payload_hash};
  signing.headers.emplace_back("host", host);
  signing.headers.emplace_back("x-amz-date", amz_date);
  signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!config_.credentials.session_token.empty()) {
    signing.headers.emplace_back("x-amz-security-token", config_.credentials.session_token);
  }
  std::string authorization =
      sigv4::Authorization(signing, config_.credentials, config_.region, "s3", amz_date);
  for (const auto& [name, value] : signing.headers) {
    transfer->header_list_ =
        curl_slist_append(transfer->header_list_, fmt::format("{}: {}", name, value).c_str());
  }
  transfer->header_list_ =
      curl_slist_append(transfer->header_list_, ("Authorization: " + authorization).c_str());
  transfer->header_list_ = curl_slist_append(transfer->header_list_, "Expect:");

  share_.Attach(easy);
  curl_easy_setopt(easy, CURLOPT_URL, transfer->url_.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->header_list_);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error_text_);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config_.options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(
      easy, CURLOPT_LOW_SPEED_TIME,
      std::max(1L, static_cast<long>(config_.options.low_speed_timeout.count() / 1000)));
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &S3Transfer::HeaderCallback);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &S3Transfer::WriteCallback);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &S3Transfer::ProgressCallback);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (request.method == "DELETE") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else {  // PUT and POST send a body, possibly empty
    transfer->upload_ = request.body;
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &S3Transfer::ReadCallback);
    curl_easy_setopt(easy, CURLOPT_READDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, &S3Transfer::SeekCallback);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  return transfer;
}

Result<S3Response> S3Client::SendOnce(const S3Request& request, std::string_view what) {
  SLUICE_ASSIGN_OR_RETURN(auto transfer, Prepare(request));
  CURLcode code = curl_easy_perform(transfer->easy());
  if (code != CURLE_OK) return ErrorFromCurl(code, transfer->error_text(), what);
  return std::move(transfer->response());
}

Result<S3Response> S3Client::Send(const S3Request& request, std::string_view what,
                                  std::vector<long> accepted) {
  const int max_attempts = std::max(1, config_.options.max_attempts);
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) Backoff(attempt);
    std::string label = attempt == 1
                            ? std::string(what)
                            : fmt::format("{} (attempt {} of {})", what, attempt, max_attempts);
    auto response = SendOnce(request, label);
    if (response && (response->status < 300 || std::find(accepted.begin(), accepted.end(),
                                                         response->status) != accepted.end())) {
      return response;
    }
    Error error = response ? ErrorFromResponse(*response, request, label) : response.error();
    bool cancelled = request.cancel != nullptr && request.cancel->load();
    if (!error.retryable() || attempt >= max_attempts || cancelled) return error;
  }
}

void S3Client::Backoff(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  auto base = config_.options.initial_backoff * (1 << std::min(attempt - 2, 10));
  auto capped = std::min<std::chrono::milliseconds>(base, std::chrono::seconds(20));
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  clock_->SleepFor(std::chrono::duration_cast<std::chrono::nanoseconds>(capped * jitter(random)));
}

}  // namespace sluice::lake
