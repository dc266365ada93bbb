#include "lake/s3_store.h"

#include <ctime>
#include <functional>
#include <mutex>
#include <pugixml.hpp>
#include <set>

#include "lake/key.h"
#include "lake/s3_io.h"

namespace sluice::lake {
namespace {

// "2025-03-15T10:00:00.000Z" (ListObjectsV2) or "Sat, 15 Mar 2025 10:00:00 GMT" (HEAD).
TimePoint ParseS3Time(const std::string& text) {
  std::tm utc{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &utc);
  if (end == nullptr) end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &utc);
  if (end == nullptr) return TimePoint();
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

// ListObjectsV2 with encoding-type=url: '+' stands for a space, %XX for a byte.
std::string UrlDecodeKey(std::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(spaced);
}

class EmptyReader final : public ObjectReader {
 public:
  Result<size_t> Read(char*, size_t) override { return size_t{0}; }
  uint64_t size() const override { return 0; }
};

class S3Store final : public ObjectStore {
 public:
  explicit S3Store(S3Config config) : client_(std::make_shared<S3Client>(std::move(config))) {}

  Result<std::unique_ptr<ObjectWriter>> Create(std::string_view key) override {
    SLUICE_TRY(ValidateKey(key));
    KeyParts parts = SplitKey(key);
    SLUICE_TRY(EnsureBucket(std::string(parts.bucket)));
    return CreateS3Writer(client_, std::string(parts.bucket), std::string(parts.path),
                          std::string(key));
  }

  Result<std::unique_ptr<ObjectReader>> Open(std::string_view key) override {
    return OpenRange(key, 0, UINT64_MAX);
  }

  Result<std::unique_ptr<ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                  uint64_t length) override {
    SLUICE_TRY(ValidateKey(key));
    if (length == 0) {  // no byte range means "nothing", which S3 cannot express
      SLUICE_TRY(Head(key));
      return std::unique_ptr<ObjectReader>(std::make_unique<EmptyReader>());
    }
    KeyParts parts = SplitKey(key);
    return OpenS3Reader(client_, std::string(parts.bucket), std::string(parts.path),
                        std::string(key), offset, length);
  }

  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override;

  Status Delete(std::string_view key) override {
    SLUICE_TRY(ValidateKey(key));
    KeyParts parts = SplitKey(key);
    S3Request request{"DELETE", std::string(parts.bucket), std::string(parts.path), {}, {}, {}};
    auto response = client_->Send(request, fmt::format("DELETE {}", key));
    if (!response && response.error().code() == Code::kNotFound) return OkStatus();
    if (!response) return response.error();
    return OkStatus();
  }

  std::string Describe() const override { return client_->Describe(); }

 private:
  Status EnsureBucket(const std::string& bucket);
  // A HEAD answer has no body; the same request as a GET says which error it was.
  Error Explain(Error head_error, S3Request request, std::string_view what);
  Status ListPages(std::string_view prefix, std::string_view delimiter,
                   const std::function<void(pugi::xml_node, bool)>& on_page);

  std::shared_ptr<S3Client> client_;
  std::mutex buckets_mutex_;
  std::set<std::string> known_buckets_;
};

Error S3Store::Explain(Error head_error, S3Request request, std::string_view what) {
  if (head_error.code() != Code::kPermissionDenied && head_error.code() != Code::kInvalidArgument) {
    return head_error;
  }
  request.method = "GET";
  if (request.key.empty()) {
    request.query = {{"list-type", "2"}, {"max-keys", "1"}};
  } else {
    request.headers.emplace_back("Range", "bytes=0-0");
  }
  auto response = client_->Send(request, what);
  return response ? head_error : response.error();
}

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  SLUICE_TRY(ValidateKey(key));
  KeyParts parts = SplitKey(key);
  S3Request request{"HEAD", std::string(parts.bucket), std::string(parts.path), {}, {}, {}};
  std::string what = fmt::format("HEAD {}", key);
  auto response = client_->Send(request, what);
  if (!response) return Explain(response.error(), request, what);
  ObjectInfo info{std::string(key), 0, ParseS3Time(response->Header("last-modified"))};
  std::string length = response->Header("content-length");
  info.size = std::strtoull(length.c_str(), nullptr, 10);
  return info;
}

Status S3Store::EnsureBucket(const std::string& bucket) {
  {
    std::lock_guard lock(buckets_mutex_);
    if (known_buckets_.count(bucket) > 0) return OkStatus();
  }
  S3Request head{"HEAD", bucket, "", {}, {}, {}};
  std::string what = fmt::format("HeadBucket {}", bucket);
  auto exists = client_->Send(head, what, {404});
  if (!exists) return Explain(exists.error(), head, what);
  if (exists->status == 404) {
    const std::string& region = client_->config().region;
    std::string body =
        region == "us-east-1"
            ? ""
            : fmt::format(
                  "<CreateBucketConfiguration><LocationConstraint>{}</LocationConstraint>"
                  "</CreateBucketConfiguration>",
                  region);
    S3Request create{"PUT", bucket, "", {}, {}, body};
    auto created = client_->Send(create, fmt::format("CreateBucket {}", bucket), {409});
    if (!created) return created.error();
    // 409: created meanwhile by another writer (BucketAlreadyOwnedByYou) is fine.
    if (created->status == 409 &&
        created->body.find("BucketAlreadyOwnedByYou") == std::string::npos) {
      return client_->ErrorFromResponse(*created, create, fmt::format("CreateBucket {}", bucket))
          .AddContext("the bucket name is taken by another account");
    }
  }
  std::lock_guard lock(buckets_mutex_);
  known_buckets_.insert(bucket);
  return OkStatus();
}

// ListObjectsV2, page by page: on_page gets each page's ListBucketResult and
// whether its names are URL-encoded. With a delimiter, what lies past it under
// the prefix comes back as CommonPrefixes, not as objects.
Status S3Store::ListPages(std::string_view prefix, std::string_view delimiter,
                          const std::function<void(pugi::xml_node, bool)>& on_page) {
  SLUICE_TRY(ValidatePrefix(prefix));
  KeyParts parts = SplitKey(prefix);
  const std::string bucket(parts.bucket);
  std::string token;
  for (int page = 1;; ++page) {
    S3Request request{"GET", bucket, "", {{"list-type", "2"}, {"encoding-type", "url"}}, {}, {}};
    if (!parts.path.empty()) request.query.emplace_back("prefix", std::string(parts.path));
    if (!delimiter.empty()) request.query.emplace_back("delimiter", std::string(delimiter));
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    auto response = client_->Send(request, fmt::format("LIST {} (page {})", prefix, page));
    if (!response) {
      // A bucket never written holds nothing, as on the filesystem.
      if (response.error().code() == Code::kNotFound && page == 1) return OkStatus();
      return response.error();
    }
    pugi::xml_document document;
    if (!document.load_buffer(response->body.data(), response->body.size())) {
      return Error::Internal("LIST {} on {}: the answer is not XML", prefix, Describe());
    }
    pugi::xml_node result = document.child("ListBucketResult");
    on_page(result, std::string_view(result.child_value("EncodingType")) == "url");
    token = result.child_value("NextContinuationToken");
    if (std::string_view(result.child_value("IsTruncated")) != "true") break;
    if (token.empty()) {
      return Error::Internal("LIST {} on {}: truncated page without NextContinuationToken", prefix,
                             Describe());
    }
  }
  return OkStatus();
}

Result<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) {
  const std::string bucket(SplitKey(prefix).bucket);
  std::vector<ObjectInfo> out;
  SLUICE_TRY(ListPages(prefix, "", [&](pugi::xml_node result, bool url_encoded) {
    for (pugi::xml_node item : result.children("Contents")) {
      std::string name = item.child_value("Key");
      if (url_encoded) name = UrlDecodeKey(name);
      out.push_back({fmt::format("{}/{}", bucket, name),
                     std::strtoull(item.child_value("Size"), nullptr, 10),
                     ParseS3Time(item.child_value("LastModified"))});
    }
  }));
  // S3 lists in UTF-8 byte order already; sorting keeps the contract for any server.
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<std::vector<std::string>> S3Store::ListFolders(std::string_view prefix) {
  const std::string bucket(SplitKey(prefix).bucket);
  std::vector<std::string> out;
  SLUICE_TRY(ListPages(prefix, "/", [&](pugi::xml_node result, bool url_encoded) {
    for (pugi::xml_node item : result.children("CommonPrefixes")) {
      std::string name = item.child_value("Prefix");
      out.push_back(fmt::format("{}/{}", bucket, url_encoded ? UrlDecodeKey(name) : name));
    }
  }));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const Url& url, const LakeOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(S3Config config, ParseS3Url(url, options));
  return std::unique_ptr<ObjectStore>(std::make_unique<S3Store>(std::move(config)));
}

}  // namespace sluice::lake
