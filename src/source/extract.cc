// ExtractResource and ExtractAll: pages fetched with retries into raw parts,
// then the manifest, last.
#include <date/date.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <future>
#include <system_error>
#include <thread>

#include "source/paginate.h"
#include "source/raw_part.h"
#include "source/source.h"

namespace sluice::source {
namespace {

using std::chrono::milliseconds;

std::string IsoUtc(TimePoint time) {
  return date::format("%FT%TZ", std::chrono::floor<milliseconds>(time));
}

void Add(std::atomic<uint64_t> SourceCounters::*counter, const ExtractOptions& options,
         uint64_t amount = 1) {
  if (options.counters != nullptr) (options.counters->*counter) += amount;
}

std::mt19937_64& Random() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

Error StatusError(const HttpRequest& request, const HttpResponse& response, int attempts,
                  const std::string& excerpt) {
  std::string message =
      fmt::format("GET {}: HTTP {}{}{} after {} attempt{}{}{}", request.url, response.status,
                  response.reason.empty() ? "" : " ", response.reason, attempts,
                  attempts == 1 ? "" : "s", excerpt.empty() ? "" : ": ", excerpt);
  int status = response.status;
  if (status == 429) {
    return Error(Code::kResourceExhausted, message)
        .Retryable(true)
        .Hint("the server limits request rates: lower source.concurrency or raise max_attempts");
  }
  if (status >= 500) {
    return Error(Code::kUnavailable, message)
        .Retryable(true)
        .Hint("the server is failing; re-run later, or raise source.max_attempts");
  }
  if (status == 404) {
    return Error(Code::kNotFound, message)
        .Hint("check the resource path and the source connection URL");
  }
  if (status == 401) {
    return Error(Code::kUnauthenticated, message)
        .Hint("check the credentials in source.headers or the connection URL");
  }
  if (status == 403) return Error(Code::kPermissionDenied, message);
  if (status == 400) return Error(Code::kInvalidArgument, message);
  return Error(Code::kFailedPrecondition, message);
}

// Keeps code, hint and retryability; adds to the end of the message.
Error WithSuffix(const Error& error, std::string_view suffix) {
  Error out = Error(error.code(), fmt::format("{}{}", error.message(), suffix))
                  .Retryable(error.retryable());
  if (!error.hint().empty()) out = std::move(out).Hint("{}", error.hint());
  return out;
}

bool IsValidDs(std::string_view ds) {
  if (ds.size() != 10 || ds[4] != '-' || ds[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(ds[i]))) return false;
  }
  return true;
}

bool IsSegment(std::string_view text) {
  return !text.empty() && text != "." && text != ".." && text.find('/') == std::string_view::npos;
}

Status CheckRequest(const ExtractRequest& request, const ResourceSpec& resource) {
  if (!IsValidDs(request.ds)) {
    return Error::InvalidArgument("ds '{}' is not a date YYYY-MM-DD", request.ds);
  }
  for (auto [what, value] : {std::pair{"run_id", std::string_view(request.run_id)},
                             std::pair{"raw bucket", std::string_view(request.raw_bucket)},
                             std::pair{"source name", std::string_view(request.source.name)},
                             std::pair{"resource name", std::string_view(resource.name)}}) {
    if (!IsSegment(value)) {
      return Error::InvalidArgument("{} '{}' cannot name a lake folder (empty, '.', '..' or '/')",
                                    what, value);
    }
  }
  if (request.base_url.empty()) {
    return Error::InvalidArgument("the source connection URL is empty")
        .Hint("set SLUICE_CONN_{} or connections.{} in the pipeline file",
              request.source.connection, request.source.connection);
  }
  return OkStatus();
}

struct Credentials {
  std::string user;
  std::string password;
};

// "http://user:pass@host/x" -> "http://host/x", the credentials apart: a URL
// is stored in the manifest and quoted in messages, a password must not be.
std::string SplitCredentials(std::string_view url, Credentials& credentials) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  size_t authority = scheme_end + 3;
  size_t authority_end = std::min(url.find_first_of("/?#", authority), url.size());
  size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  std::string_view userinfo = url.substr(authority, at - authority);
  size_t colon = userinfo.find(':');
  credentials.user = PercentDecode(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) {
    credentials.password = PercentDecode(userinfo.substr(colon + 1));
    RegisterSecret(credentials.password);
  }
  return fmt::format("{}{}", url.substr(0, authority), url.substr(at + 1));
}

// A page's response. Its body is stored once `unstored` is empty: a page
// fetched ahead that holds no record yet waits for Next() to confirm it
// before its PUT, so the guesses past a resource's end cost one GET each.
struct Page {
  RawPart part;
  HttpResponse response;
  std::unique_ptr<RawPartWriter> unstored;
};

// Requests an extraction may add to those of its resources' workers, which
// hold one each: pages fetched ahead take them, and give them back when done.
class RequestSlots {
 public:
  explicit RequestSlots(int free) : free_(std::max(0, free)) {}
  bool TryTake() {
    int free = free_.load();
    while (free > 0) {
      if (free_.compare_exchange_weak(free, free - 1)) return true;
    }
    return false;
  }
  void Give(int count = 1) { free_ += count; }

 private:
  std::atomic<int> free_;
};

// A page requested before the one before it arrived: its URL is the guess
// that page-numbered pagination goes on, and Next() confirms or refutes it.
struct PageAhead {
  std::string url;
  std::string key;
  std::future<Result<Page>> page;
};

std::string PartName(size_t index) { return fmt::format("part-{:05d}.json", index); }

// One resource's extraction: the request, the counts, and the retry loop.
class ResourceRun {
 public:
  ResourceRun(const ExtractRequest& request, const ResourceSpec& resource, RequestSlots& slots)
      : request_(request),
        resource_(resource),
        policy_(RetryPolicy::FromSource(request.source)),
        slots_(slots) {}

  Result<RawManifest> Run();
  uint64_t requests() const { return requests_; }
  uint64_t retries() const { return retries_; }

 private:
  Result<Page> FetchPage(const std::string& url, const std::string& key);
  // The GET and its retries; the body stays in the returned page's writer.
  Result<Page> Transfer(const std::string& url, const std::string& key);
  Result<Page> Store(Page page);
  milliseconds RetryDelay(const Result<HttpResponse>& response, int attempt) const;
  Error GiveUp(const HttpRequest& request, Result<HttpResponse> response, int attempt,
               RawPartWriter& writer);
  Status ClearRun(const std::string& prefix);
  void FetchAhead(const Paginator& paginator, const std::string& prefix, size_t first_part);
  Status DiscardAhead();

  const ExtractRequest& request_;
  const ResourceSpec& resource_;
  RetryPolicy policy_;
  RequestSlots& slots_;
  Credentials credentials_;
  std::atomic<uint64_t> requests_ = 0;
  std::atomic<uint64_t> retries_ = 0;
  bool may_fetch_ahead_ = true;
  std::deque<PageAhead> ahead_;  // the parts after the one being fetched, in order
};

Status ResourceRun::ClearRun(const std::string& prefix) {
  // A run's first try finds its folder empty: one LIST, and no DELETE.
  auto objects = request_.store.List(prefix);
  if (!objects && objects.error().code() != Code::kNotFound) return std::move(objects).error();
  if (!objects || objects->empty()) return OkStatus();
  // The manifest goes first: from then on the partition is not complete.
  const std::string manifest_key = prefix + "_manifest.json";
  SLUICE_TRY(request_.store.Delete(manifest_key));
  for (const lake::ObjectInfo& object : *objects) {
    if (object.key == manifest_key) continue;
    SLUICE_TRY(request_.store.Delete(object.key).map_error([&](Error e) {
      return std::move(e).AddContext(fmt::format("clearing '{}' for a new try", prefix));
    }));
  }
  return OkStatus();
}

// Tops up the pages in flight for this resource, up to source.concurrency
// with the one fetched here, while the extraction has requests to spare.
void ResourceRun::FetchAhead(const Paginator& paginator, const std::string& prefix,
                             size_t first_part) {
  if (!may_fetch_ahead_) return;
  auto window = static_cast<size_t>(std::max(1, request_.source.concurrency));
  while (ahead_.size() + 1 < window) {
    size_t part = first_part + ahead_.size();
    auto page_number = static_cast<int>(part + 1);
    if (page_number > paginator.LastLikelyPage() || !slots_.TryTake()) return;
    PageAhead ahead{
        .url = paginator.PageUrl(page_number), .key = prefix + PartName(part), .page = {}};
    try {
      ahead.page = std::async(std::launch::async, [this, url = ahead.url, key = ahead.key] {
        Result<Page> page = Transfer(url, key);
        if (page && page->unstored->records() > 0) page = Store(std::move(*page));
        slots_.Give();
        return page;
      });
    } catch (const std::system_error&) {
      slots_.Give();  // no thread to spare: the pages come one at a time
      return;
    }
    ahead_.push_back(std::move(ahead));
  }
}

// Waits for the pages fetched ahead and deletes what they stored.
Status ResourceRun::DiscardAhead() {
  Status status = OkStatus();
  for (PageAhead& ahead : ahead_) {
    Result<Page> page = ahead.page.get();
    if (page && page->unstored) continue;  // dropped unstored: nothing to delete
    // A stored page, or a failed one whose body may have been kept for inspection.
    Status deleted = request_.store.Delete(page ? ahead.key : ahead.key + ".failed");
    if (!deleted && deleted.error().code() != Code::kNotFound && status) status = deleted;
  }
  ahead_.clear();
  return status;
}

Result<RawManifest> ResourceRun::Run() {
  const ExtractRequest& r = request_;
  std::string prefix = RawRunPrefix(r.raw_bucket, r.source.name, resource_.name, r.ds, r.run_id);
  SLUICE_TRY(ClearRun(prefix));
  RawManifest manifest;
  manifest.source = r.source.name;
  manifest.resource = resource_.name;
  manifest.ds = r.ds;
  manifest.run_id = r.run_id;
  std::string base_url = SplitCredentials(r.base_url, credentials_);
  Paginator paginator(JoinUrl(base_url, resource_.path), resource_.pagination, r.options.max_pages);
  std::optional<std::string> url = paginator.FirstUrl();
  auto fail = [&](Error error, size_t part) {
    (void)DiscardAhead();  // the first error is the one to report
    return std::move(error).AddContext(PartName(part));
  };
  while (url) {
    size_t part = manifest.parts.size();
    std::optional<PageAhead> fetched_ahead;
    if (!ahead_.empty()) {
      fetched_ahead = std::move(ahead_.front());
      ahead_.pop_front();
    }
    FetchAhead(paginator, prefix, part + 1);
    auto page =
        fetched_ahead ? fetched_ahead->page.get() : FetchPage(*url, prefix + PartName(part));
    if (page && page->unstored) page = Store(std::move(*page));
    if (!page) return fail(std::move(page).error(), part);
    manifest.records += page->part.records;
    manifest.bytes += page->part.bytes;
    manifest.fetched_at = page->part.fetched_at;
    manifest.parts.push_back(std::move(page->part));
    auto next = paginator.Next(page->response, manifest.parts.back().records);
    if (!next) return fail(std::move(next).error(), part);
    url = std::move(*next);
    if (!ahead_.empty() && (!url || ahead_.front().url != *url)) {
      // The server ended the resource, or named a next page other than the guess.
      if (url) may_fetch_ahead_ = false;
      SLUICE_TRY(DiscardAhead());
    }
  }
  manifest.complete = true;
  manifest.key = prefix + "_manifest.json";
  SLUICE_TRY(lake::PutString(r.store, manifest.key, ManifestToJson(manifest)));
  return manifest;
}

Result<Page> ResourceRun::FetchPage(const std::string& url, const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(Page page, Transfer(url, key));
  return Store(std::move(page));
}

Result<Page> ResourceRun::Transfer(const std::string& url, const std::string& key) {
  const ExtractRequest& r = request_;
  HttpRequest request{.url = url,
                      .headers = r.source.headers,
                      .user = credentials_.user,
                      .password = credentials_.password,
                      .connect_timeout = r.source.connect_timeout,
                      .total_timeout = r.source.total_timeout};
  request.headers.emplace("Accept", "application/json");
  auto writer = std::make_unique<RawPartWriter>(r.store, key, r.options.max_record_bytes);
  for (int attempt = 1;; ++attempt) {
    writer->StartAttempt();
    ++requests_;
    Add(&SourceCounters::requests, r.options);
    Result<HttpResponse> response = r.client.Get(request, *writer);
    if (response) Add(&SourceCounters::bytes, r.options, response->bytes_received);
    if (response && response->status >= 200 && response->status <= 299) {
      Page page;
      page.part.key = key;
      page.part.url = url;
      page.part.status = response->status;
      page.response = std::move(*response);
      page.unstored = std::move(writer);
      return page;
    }
    bool is_retryable =
        response ? IsRetryableStatus(response->status) : response.error().retryable();
    if (!is_retryable || attempt >= policy_.max_attempts) {
      return GiveUp(request, std::move(response), attempt, *writer);
    }
    ++retries_;
    Add(&SourceCounters::retries, r.options);
    r.clock.SleepFor(RetryDelay(response, attempt));
  }
}

// Retry-After when the server sent one (capped), else backoff with jitter.
milliseconds ResourceRun::RetryDelay(const Result<HttpResponse>& response, int attempt) const {
  if (response) {
    if (auto header = response->Header("retry-after")) {
      if (auto delay = ParseRetryAfter(*header, request_.clock.Now())) {
        return std::min(*delay, policy_.backoff_max);
      }
    }
  }
  return policy_.Backoff(attempt, Random());
}

Error ResourceRun::GiveUp(const HttpRequest& request, Result<HttpResponse> response, int attempt,
                          RawPartWriter& writer) {
  if (response) return StatusError(request, *response, attempt, writer.excerpt());
  Error failure = std::move(response).error();
  if (writer.is_storing()) {  // a 2xx body broke off: keep what arrived
    auto failed_key = writer.KeepFailed();
    failure = WithSuffix(failure, failed_key ? fmt::format("; body kept as {}", *failed_key)
                                             : fmt::format("; keeping the body failed: {}",
                                                           failed_key.error().message()));
  }
  return std::move(failure).AddContext(
      fmt::format("attempt {} of {}", attempt, policy_.max_attempts));
}

Result<Page> ResourceRun::Store(Page page) {
  auto stats = page.unstored->Commit();
  page.unstored.reset();
  if (!stats) {
    return std::move(stats).error().AddContext(
        fmt::format("GET {}: HTTP {}", page.part.url, page.part.status));
  }
  page.part.bytes = stats->bytes;
  page.part.sha256 = stats->sha256;
  page.part.fetched_at = IsoUtc(request_.clock.Now());
  page.part.records = stats->records;
  return page;
}

Result<ExtractReport> ExtractWithSlots(const ExtractRequest& request, const ResourceSpec& resource,
                                       RequestSlots& slots) {
  auto started = request.clock.SteadyNow();
  std::string where = fmt::format("extract {}/{} ds={} run={}", request.source.name, resource.name,
                                  request.ds, request.run_id);
  if (auto valid = CheckRequest(request, resource); !valid) {
    return std::move(valid).error().AddContext(where);
  }
  ResourceRun run(request, resource, slots);
  auto manifest = run.Run();
  if (!manifest) {
    Add(&SourceCounters::failures, request.options);
    return std::move(manifest).error().AddContext(where);
  }
  ExtractReport report{
      .resource = resource.name,
      .records = manifest->records,
      .bytes = manifest->bytes,
      .parts = static_cast<int>(manifest->parts.size()),
      .requests = run.requests(),
      .retries = run.retries(),
      .object_keys = {},
      .manifest_key = manifest->key,
      .duration = std::chrono::duration_cast<milliseconds>(request.clock.SteadyNow() - started)};
  for (const RawPart& part : manifest->parts) report.object_keys.push_back(part.key);
  return report;
}

}  // namespace

Result<ExtractReport> ExtractResource(const ExtractRequest& request, const ResourceSpec& resource) {
  RequestSlots slots(request.source.concurrency - 1);
  return ExtractWithSlots(request, resource, slots);
}

Result<std::vector<ExtractReport>> ExtractAll(const ExtractRequest& request) {
  const std::vector<ResourceSpec>& resources = request.source.resources;
  std::vector<std::optional<Result<ExtractReport>>> results(resources.size());
  std::atomic<size_t> next{0};
  RequestSlots slots(0);
  auto work = [&] {
    for (size_t i = next++; i < resources.size(); i = next++) {
      results[i] = ExtractWithSlots(request, resources[i], slots);
    }
    slots.Give();  // no resource left for this worker: its request goes to pages ahead
  };
  size_t workers = std::clamp<size_t>(static_cast<size_t>(std::max(1, request.source.concurrency)),
                                      1, std::max<size_t>(1, resources.size()));
  std::vector<std::thread> threads;
  try {
    for (size_t i = 1; i < workers; ++i) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // Fewer threads than asked for: the ones running, and this one, share the work.
  }
  slots.Give(std::max(1, request.source.concurrency) - static_cast<int>(threads.size() + 1));
  work();
  for (std::thread& thread : threads) thread.join();
  JsonBodyValidator::ReleaseSpareMemory();  // the next task in this process has no use for it

  std::vector<ExtractReport> reports;
  std::vector<std::string> failed;
  std::optional<Error> first_error;
  for (size_t i = 0; i < resources.size(); ++i) {
    if (*results[i]) {
      reports.push_back(std::move(**results[i]));
      continue;
    }
    failed.push_back(resources[i].name);
    if (!first_error) first_error = results[i]->error();
  }
  if (!first_error) return reports;
  return std::move(*first_error)
      .AddContext(fmt::format("extract {}: {} of {} resources failed ({})", request.source.name,
                              failed.size(), resources.size(), fmt::join(failed, ", ")));
}

}  // namespace sluice::source
