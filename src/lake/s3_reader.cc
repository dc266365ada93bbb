// Streaming GET: the caller's Read() drives a curl multi handle, so bytes move
// only as fast as they are consumed and at most kBufferBytes wait in memory
// (the transfer pauses when the buffer is full).
#include <charconv>
#include <span>

#include "lake/s3_io.h"

namespace sluice::lake {
namespace {

constexpr size_t kBufferBytes = 512u << 10;
constexpr size_t kMaxErrorBody = 64u << 10;
constexpr int kPollMs = 1000;

std::optional<uint64_t> ParseLength(const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

class S3Reader final : public ObjectReader {
 public:
  // ranged: the caller asked for bytes [offset, offset + length).
  S3Reader(std::shared_ptr<S3Client> client, std::string key, std::string what, bool ranged,
           uint64_t offset, uint64_t length)
      : client_(std::move(client)),
        key_(std::move(key)),
        what_(std::move(what)),
        ranged_(ranged),
        offset_(offset),
        length_(length) {}

  ~S3Reader() override {
    if (multi_ != nullptr) {
      if (transfer_ != nullptr) curl_multi_remove_handle(multi_, transfer_->easy());
      curl_multi_cleanup(multi_);
    }
  }

  // Sends the request and waits for the response headers.
  Status Start(const S3Request& request);

  Result<size_t> Read(char* buffer, size_t capacity) override {
    while (read_pos_ == buffer_.size() && !done_) {
      buffer_.clear();
      read_pos_ = 0;
      // Bytes arriving now go straight to the caller; only what does not fit
      // is buffered. A whole-object read then costs one copy, not two.
      direct_ = std::span<char>(buffer, capacity);
      direct_filled_ = 0;
      Status driven = OkStatus();
      if (paused_) {
        paused_ = false;
        curl_easy_pause(transfer_->easy(), CURLPAUSE_CONT);  // may deliver data right here
      } else {
        driven = Drive();
      }
      direct_ = {};
      SLUICE_TRY(std::move(driven));
      if (direct_filled_ > 0) return direct_filled_;
    }
    if (read_pos_ < buffer_.size()) {
      size_t n = std::min(capacity, buffer_.size() - read_pos_);
      std::copy_n(buffer_.data() + read_pos_, n, buffer);
      read_pos_ += n;
      return n;
    }
    SLUICE_TRY(Finish());
    return size_t{0};
  }

  uint64_t size() const override { return size_; }

 private:
  size_t OnBody(const char* data, size_t size);
  // Reads status and sizes from the headers, once.
  Status Configure();
  Status Drive();
  Status Finish() const;

  std::shared_ptr<S3Client> client_;
  std::string key_;
  std::string what_;
  const bool ranged_;
  const uint64_t offset_;
  const uint64_t length_;
  bool configured_ = false;
  Status configure_status_;
  CURLM* multi_ = nullptr;
  std::unique_ptr<S3Transfer> transfer_;
  std::string buffer_;
  size_t read_pos_ = 0;
  std::span<char> direct_;  // the buffer of the Read() in progress
  size_t direct_filled_ = 0;
  bool paused_ = false;
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  bool is_error_ = false;
  std::string error_body_;
  std::optional<uint64_t> content_length_;
  uint64_t received_ = 0;   // body bytes off the wire
  uint64_t skip_ = 0;       // leading bytes to drop (a server that ignored Range)
  uint64_t delivered_ = 0;  // bytes handed over: to a Read() or to buffer_
  uint64_t size_ = 0;
};

size_t S3Reader::OnBody(const char* data, size_t size) {
  // The first body bytes can arrive in the same curl call that ends the headers.
  if (!Configure()) return 0;
  if (is_error_) {
    if (error_body_.size() < kMaxErrorBody) error_body_.append(data, size);
    return size;
  }
  // The consumed front of buffer_ is dropped only once all of it is read, so
  // the bound counts it too: a buffer reserved once never grows past it.
  if (buffer_.size() >= kBufferBytes) {
    paused_ = true;
    return CURL_WRITEFUNC_PAUSE;  // curl offers these bytes again after the unpause
  }
  received_ += size;
  std::string_view bytes(data, size);
  uint64_t dropped = std::min<uint64_t>(skip_, bytes.size());
  skip_ -= dropped;
  bytes.remove_prefix(dropped);
  bytes =
      bytes.substr(0, static_cast<size_t>(std::min<uint64_t>(bytes.size(), size_ - delivered_)));
  delivered_ += bytes.size();
  const size_t direct = std::min(bytes.size(), direct_.size() - direct_filled_);
  std::copy_n(bytes.data(), direct, direct_.data() + direct_filled_);
  direct_filled_ += direct;
  if (direct == bytes.size()) return size;
  if (buffer_.capacity() == 0) buffer_.reserve(kBufferBytes + CURL_MAX_WRITE_SIZE);
  buffer_.append(bytes.substr(direct));
  return size;
}

Status S3Reader::Drive() {
  const uint64_t delivered = delivered_;
  bool had_headers = transfer_->headers_done();
  int running = 0;
  CURLMcode code = curl_multi_perform(multi_, &running);
  if (code != CURLM_OK) {
    return Error::Internal("{}: curl_multi_perform: {}", what_, curl_multi_strerror(code));
  }
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg == CURLMSG_DONE) {
      done_ = true;
      result_ = message->data.result;
    }
  }
  if (done_ || delivered_ != delivered || transfer_->headers_done() != had_headers) {
    return OkStatus();
  }
  code = curl_multi_poll(multi_, nullptr, 0, kPollMs, nullptr);
  if (code != CURLM_OK) {
    return Error::Internal("{}: curl_multi_poll: {}", what_, curl_multi_strerror(code));
  }
  return OkStatus();
}

Status S3Reader::Finish() const {
  const uint64_t expected = content_length_.value_or(received_);
  if (result_ == CURLE_OK && received_ >= expected && delivered_ >= size_) return OkStatus();
  if (result_ == CURLE_OK || result_ == CURLE_PARTIAL_FILE) {
    return Error::DataLoss("{} on {}: body ended after {} of {} bytes", what_, client_->Describe(),
                           received_, expected)
        .Retryable(true);
  }
  return client_->ErrorFromCurl(result_, transfer_->error_text(), what_)
      .AddContext(fmt::format("after {} of {} bytes", delivered_, size_));
}

Status S3Reader::Configure() {
  if (configured_) return configure_status_;
  configured_ = true;
  const S3Response& response = transfer_->response();
  if (response.status == 416) return configure_status_;  // the range starts at or past the end
  if (response.status >= 300) {
    is_error_ = true;
    return configure_status_;
  }
  content_length_ = ParseLength(response.Header("content-length"));
  if (!content_length_) {
    configure_status_ =
        Error::Internal("{} on {}: HTTP {} without a Content-Length: cannot check the size", what_,
                        client_->Describe(), response.status);
    return configure_status_;
  }
  uint64_t body = *content_length_;
  if (response.status == 200 && ranged_) {  // Range ignored: the whole object came
    skip_ = std::min(offset_, body);
    size_ = std::min(length_, body - skip_);
  } else {
    size_ = body;
  }
  return configure_status_;
}

Status S3Reader::Start(const S3Request& request) {
  SLUICE_ASSIGN_OR_RETURN(transfer_, client_->Prepare(request));
  transfer_->on_body = [this](const char* data, size_t size) { return OnBody(data, size); };
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return Error::ResourceExhausted("{}: curl_multi_init failed", what_);
  curl_multi_add_handle(multi_, transfer_->easy());
  while (!transfer_->headers_done() && !done_) SLUICE_TRY(Drive());
  if (!transfer_->headers_done()) {
    return client_->ErrorFromCurl(result_ == CURLE_OK ? CURLE_GOT_NOTHING : result_,
                                  transfer_->error_text(), what_);
  }
  SLUICE_TRY(Configure());
  const S3Response& response = transfer_->response();
  if (response.status == 416) {
    size_ = 0;
    done_ = true;
    return OkStatus();
  }
  if (is_error_) {
    while (!done_) SLUICE_TRY(Drive());
    S3Response with_body = response;
    with_body.body = error_body_;
    return client_->ErrorFromResponse(with_body, request, what_);
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<ObjectReader>> OpenS3Reader(const std::shared_ptr<S3Client>& client,
                                                   std::string bucket, std::string path,
                                                   std::string key, uint64_t offset,
                                                   uint64_t length) {
  S3Request request{"GET", std::move(bucket), std::move(path), {}, {}, {}};
  const bool ranged = offset > 0 || length != UINT64_MAX;
  if (ranged) {
    uint64_t last = length > UINT64_MAX - offset ? UINT64_MAX : offset + length - 1;
    request.headers.emplace_back("Range", last == UINT64_MAX
                                              ? fmt::format("bytes={}-", offset)
                                              : fmt::format("bytes={}-{}", offset, last));
  }
  const int max_attempts = std::max(1, client->config().options.max_attempts);
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1) client->Backoff(attempt);
    std::string what = attempt == 1
                           ? fmt::format("GET {}", key)
                           : fmt::format("GET {} (attempt {} of {})", key, attempt, max_attempts);
    auto reader = std::make_unique<S3Reader>(client, key, what, ranged, offset, length);
    Status started = reader->Start(request);
    if (started) return std::unique_ptr<ObjectReader>(std::move(reader));
    if (!started.error().retryable() || attempt >= max_attempts) return started.error();
  }
}

}  // namespace sluice::lake
