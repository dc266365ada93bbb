// A small S3 client over libcurl (private to lake/): signs requests (SigV4),
// sends them with retries and turns S3 error documents into Errors that say
// what to fix. Thread-safe; easy handles are pooled and connections are shared.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lake/lake.h"
#include "lake/sigv4.h"
#include "net/curl_share.h"

namespace sluice::lake {

struct S3Config {
  bool tls = true;
  std::string host;  // "127.0.0.1", "s3.eu-west-1.amazonaws.com"
  std::optional<int> port;
  std::string region = "us-east-1";
  bool virtual_style = false;
  // x-amz-content-sha256 is the body's SHA-256 when true, UNSIGNED-PAYLOAD
  // when false: then the body's integrity rests on its CRC-32 and the link.
  bool sign_payload = true;
  sigv4::Credentials credentials;
  LakeOptions options;

  // Safe to print: "s3://127.0.0.1:7070".
  std::string Describe() const;
};

// Parses s3://KEY:SECRET@host:port?tls=false&region=...&style=path|virtual
// &payload=auto|signed|unsigned and registers the keys as secrets. `auto`
// signs the payload only where a body could be changed on its way without
// TLS noticing: over plain HTTP to a host other than this machine.
Result<S3Config> ParseS3Url(const Url& url, const LakeOptions& options);

struct S3Request {
  std::string method;  // GET PUT POST DELETE HEAD
  std::string bucket;
  std::string key;  // inside the bucket; "" for a bucket request
  sigv4::Pairs query;
  sigv4::Pairs headers;   // extra headers (Range, Content-MD5...), all signed
  std::string_view body;  // sent with its SHA-256 as the payload hash
  // When set and true, the transfer stops and no retry starts (an abandoned upload).
  const std::atomic<bool>* cancel = nullptr;
  std::string_view body_sha256 = {};  // that hash in hex, when the caller has it; empty: computed
};

struct S3Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const;
};

// One configured transfer: an easy handle from the pool with its URL, signed
// headers and body. Release returns the handle to the pool.
class S3Transfer {
 public:
  S3Transfer(class S3Client* client, CURL* easy);
  ~S3Transfer();
  S3Transfer(const S3Transfer&) = delete;
  S3Transfer& operator=(const S3Transfer&) = delete;

  CURL* easy() const { return easy_; }
  const char* error_text() const { return error_text_; }
  // Filled by the header callback.
  S3Response& response() { return response_; }
  bool headers_done() const { return headers_done_; }
  // Body bytes go here; may return CURL_WRITEFUNC_PAUSE.
  std::function<size_t(const char*, size_t)> on_body;
  // Set by another thread to stop the transfer (an abandoned upload).
  const std::atomic<bool>* cancel = nullptr;

 private:
  friend class S3Client;
  static size_t HeaderCallback(char* data, size_t size, size_t count, void* self);
  static size_t WriteCallback(char* data, size_t size, size_t count, void* self);
  static size_t ReadCallback(char* data, size_t size, size_t count, void* self);
  static int SeekCallback(void* self, curl_off_t offset, int origin);
  static int ProgressCallback(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  S3Client* client_;
  CURL* easy_;
  curl_slist* header_list_ = nullptr;
  char error_text_[CURL_ERROR_SIZE] = {};
  std::string url_;
  std::string_view upload_;
  size_t upload_offset_ = 0;
  S3Response response_;
  bool headers_done_ = false;
};

class S3Client {
 public:
  explicit S3Client(S3Config config);
  ~S3Client();

  const S3Config& config() const { return config_; }
  std::string Describe() const { return config_.Describe(); }

  // Sends the request, retrying connection errors, 5xx, SlowDown and
  // RequestTimeout with backoff. A status of 300 or more becomes an Error
  // unless it is in accepted (e.g. 404 for a HEAD). what names the operation
  // for messages: "PUT raw/a.json".
  Result<S3Response> Send(const S3Request& request, std::string_view what,
                          std::vector<long> accepted = {});
  // A configured transfer, not started (the streaming reader drives it).
  Result<std::unique_ptr<S3Transfer>> Prepare(const S3Request& request);

  // Error mapping, shared with the streaming reader.
  Error ErrorFromResponse(const S3Response& response, const S3Request& request,
                          std::string_view what) const;
  Error ErrorFromCurl(CURLcode code, const char* error_text, std::string_view what) const;
  static bool IsRetryable(const Error& error) { return error.retryable(); }
  // Sleeps before attempt number `attempt` (2, 3, ...).
  void Backoff(int attempt);

  // Buffers of finished writers, for the next ones: a page's buffer freed at
  // the top of the heap went back to the kernel, and the next page faulted
  // the same memory in again. Empty strings when none is spare; a buffer
  // over kMaxSpareBufferBytes is not kept (it was mmap'ed, and freed whole).
  std::string TakeBuffer();
  void GiveBuffer(std::string buffer);

  // Multipart uploads under way share max_parts_in_flight: each writer may
  // have max_parts_in_flight / uploads parts uploading, one at least. Two
  // large objects written at once then hold four part buffers, not six.
  void StartMultipart() { ++multipart_uploads_; }
  void EndMultipart() { --multipart_uploads_; }
  int PartsInFlightPerUpload() const {
    return std::max(1,
                    config_.options.max_parts_in_flight / std::max(1, multipart_uploads_.load()));
  }

 private:
  friend class S3Transfer;
  CURL* AcquireHandle();
  void ReleaseHandle(CURL* easy);
  Result<S3Response> SendOnce(const S3Request& request, std::string_view what);

  S3Config config_;
  Clock* clock_;
  std::unique_ptr<Clock> own_clock_;
  // Readers drive their transfer in a multi handle of their own; the share
  // keeps each connection alive after its reader is gone, for the next one.
  net::CurlShare share_;
  std::mutex pool_mutex_;
  std::vector<CURL*> idle_handles_;
  std::vector<std::string> spare_buffers_;
  std::atomic<int> multipart_uploads_{0};
};

}  // namespace sluice::lake
