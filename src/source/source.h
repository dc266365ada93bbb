// The source: HTTP JSON extraction into the raw bucket of the lake.
//
// The network has one door, HttpClient; MakeCurlHttpClient() is the real one
// (libcurl, pooled handles, shared connection and DNS caches). ExtractResource()
// fetches one resource of a pipeline's source (paginated or not, retried per
// RetryPolicy), streams every response body byte for byte into the lake at
//   <raw_bucket>/<source>/<resource>/ds=<ds>/run=<run_id>/part-NNNNN.json
// and writes .../run=<run_id>/_manifest.json LAST: its presence marks the raw
// partition complete. A body that breaks off before its Content-Length (or
// its last chunk) is retried like any cut connection; a body that is not valid
// JSON, or that still breaks off on the last attempt, fails the extraction:
// its bytes are kept as part-NNNNN.json.failed for inspection and no manifest
// is written, so nothing downstream reads it.
//
// Error codes: kUnavailable (connection refused/reset, body cut short, 5xx;
// retryable), kDeadlineExceeded (timeout; retryable), kResourceExhausted (429
// on every attempt; retryable), kNotFound/kPermissionDenied/kUnauthenticated/
// kInvalidArgument/kFailedPrecondition (other 4xx, never retried; a server that
// paginates in a loop), kDataLoss (invalid JSON: malformed or ending early),
// plus the lake's own errors. Messages name the URL, part and cause on one
// line; URL passwords and registered secrets are masked.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"

namespace sluice::source {

// ---------------------------------------------------------------------------
// HTTP

struct HttpRequest {
  std::string url;                             // without credentials: they go below
  std::map<std::string, std::string> headers;  // sent as given
  // HTTP basic credentials when user is set; sent to the URL's host only, not
  // to another host a redirect names.
  std::string user;
  std::string password;
  // Zero: the client's default from HttpClientOptions.
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds total_timeout{0};
};

struct HttpResponse {
  int status = 0;
  std::string reason;                          // "Not Found"; empty on HTTP/2
  std::map<std::string, std::string> headers;  // lower-case names; repeats joined by ", "
  uint64_t bytes_received = 0;                 // body bytes given to the sink (decoded)
  std::string effective_url;                   // after redirects
  bool connection_reused = false;              // no new connection was opened

  // The value of a header (name in lower case), or nullopt.
  std::optional<std::string> Header(std::string_view lower_case_name) const;
};

// Receives one response. OnResponse comes once, before the first body byte
// (or at the end of an empty body), with status and headers (bytes_received
// 0); OnBody then receives the body in order, decoded when the server
// compressed it. An error from either aborts the transfer and is what Get
// returns. Called on the thread that called Get.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status OnResponse(const HttpResponse& head) = 0;
  virtual Status OnBody(std::string_view bytes) = 0;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // One GET, no retry. Any HTTP status is a response, not an error; errors are
  // transport failures: kUnavailable (refused, reset, body shorter than its
  // Content-Length; retryable), kDeadlineExceeded (connect or total timeout;
  // retryable), kInvalidArgument (bad URL, unsupported scheme), or the sink's
  // error. Thread-safe: many threads may call Get at once.
  virtual Result<HttpResponse> Get(const HttpRequest& request, BodySink& sink) = 0;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{60000};
  std::string user_agent = "sluice/0.1";
  bool accept_compressed = true;  // Accept-Encoding: every encoding libcurl decodes
  int max_redirects = 5;
  size_t max_idle_handles = 16;  // easy handles kept for reuse
};

// libcurl with a pool of easy handles sharing one connection cache, DNS cache
// and TLS session cache, so sequential and concurrent requests to one host
// reuse connections.
Result<std::unique_ptr<HttpClient>> MakeCurlHttpClient(const HttpClientOptions& options = {});

// ---------------------------------------------------------------------------
// Retries

// GET is idempotent, so a request is retried on connection errors, timeouts,
// 5xx and 429; any other 4xx is final. Delays use exponential backoff with
// full jitter: uniform in [0, min(backoff_max, backoff_initial * 2^(n-1)))
// after the n-th failure, except that a Retry-After header (seconds or an
// HTTP-date) is honoured, capped at backoff_max.
struct RetryPolicy {
  int max_attempts = 4;  // first try included
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};

  static RetryPolicy FromSource(const SourceSpec& source);
  std::chrono::milliseconds Backoff(int failed_attempts, std::mt19937_64& random) const;
};

bool IsRetryableStatus(int status);
// Retry-After as a delay from now; nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, TimePoint now);

// Live counters, shared across threads (e.g. one per process for /metrics).
struct SourceCounters {
  std::atomic<uint64_t> requests{0};  // attempts sent
  std::atomic<uint64_t> retries{0};
  std::atomic<uint64_t> bytes{0};     // body bytes received
  std::atomic<uint64_t> failures{0};  // extractions that failed
};

// ---------------------------------------------------------------------------
// Extraction

struct ExtractOptions {
  int max_pages = 100000;  // a server that never stops paginating fails here
  // A single record (or a lone top-level object) larger than this fails validation.
  size_t max_record_bytes = 64u << 20;
  SourceCounters* counters = nullptr;  // optional, not owned
};

struct ExtractRequest {
  HttpClient& client;
  lake::ObjectStore& store;
  Clock& clock;
  const SourceSpec& source;  // name, headers, timeouts, retry settings, concurrency
  // The source connection, e.g. "http://127.0.0.1:3000". Credentials in it
  // ("http://user:pass@host") are sent as basic auth and kept out of the
  // manifest and of messages.
  std::string base_url;
  std::string raw_bucket;  // "raw"
  std::string ds;          // logical date, "YYYY-MM-DD"
  std::string run_id;      // one key segment: no '/'
  ExtractOptions options = {};
};

struct ExtractReport {
  std::string resource;
  uint64_t records = 0;
  uint64_t bytes = 0;
  int parts = 0;  // one per page
  uint64_t requests = 0;
  uint64_t retries = 0;
  std::vector<std::string> object_keys;  // the parts, in order
  std::string manifest_key;
  std::chrono::milliseconds duration{0};
};

// Fetches one resource into its raw partition for (ds, run_id). Anything left
// under that run's prefix by an earlier attempt is deleted first (manifest
// first), so the partition is complete exactly when the manifest exists.
// Page-numbered pages after the first are fetched ahead, up to
// source.concurrency in flight; the guesses the server does not confirm are
// deleted before this returns.
Result<ExtractReport> ExtractResource(const ExtractRequest& request, const ResourceSpec& resource);

// Every resource of request.source, at most source.concurrency requests at
// once: a worker per resource, and the workers left without one lend their
// request to pages fetched ahead. Each resource runs to its end; if any failed, the error of the
// first failed resource (in declaration order) is returned, its context naming all of them.
Result<std::vector<ExtractReport>> ExtractAll(const ExtractRequest& request);

// ---------------------------------------------------------------------------
// Raw partitions

struct RawPart {
  std::string key;
  std::string url;
  int status = 0;
  uint64_t bytes = 0;
  std::string sha256;      // hex of the stored bytes
  std::string fetched_at;  // ISO 8601 UTC with milliseconds, "2025-03-15T10:00:00.000Z"
  uint64_t records = 0;
};

struct RawManifest {
  std::string source;
  std::string resource;
  std::string ds;
  std::string run_id;
  bool complete = false;
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::string fetched_at;  // when the last part arrived: orders runs
  std::vector<RawPart> parts;
  std::string key;  // where the manifest was read from (not stored in it)
};

// "<raw_bucket>/<source>/<resource>/ds=<ds>/run=<run_id>/"
std::string RawRunPrefix(std::string_view raw_bucket, std::string_view source,
                         std::string_view resource, std::string_view ds, std::string_view run_id);
std::string RawManifestKey(std::string_view raw_bucket, std::string_view source,
                           std::string_view resource, std::string_view ds, std::string_view run_id);

std::string ManifestToJson(const RawManifest& manifest);
// kNotFound when absent; kDataLoss when it is not a manifest.
Result<RawManifest> ReadRawManifest(lake::ObjectStore& store, std::string_view key);

// The raw partition a transform should read for (resource, ds): the manifest of
// preferred_run_id when that run is complete, else the complete run with the
// newest fetched_at. kNotFound, with a hint, when there is none.
Result<RawManifest> FindRawPartition(lake::ObjectStore& store, std::string_view raw_bucket,
                                     std::string_view source, std::string_view resource,
                                     std::string_view ds, std::string_view preferred_run_id);

}  // namespace sluice::source
