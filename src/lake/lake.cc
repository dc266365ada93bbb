#include "lake/lake.h"

#include <algorithm>

#include "lake/fs_store.h"
#include "lake/key.h"
#include "lake/s3_store.h"

namespace sluice::lake {
namespace {

bool IsControl(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// Checks the segments of path (the part after the bucket); a trailing '/'
// (an empty last segment) is allowed only when allow_trailing_slash.
Status ValidateSegments(std::string_view path, std::string_view whole, bool allow_trailing_slash) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    bool last = end == std::string_view::npos;
    std::string_view segment = path.substr(start, last ? std::string_view::npos : end - start);
    if (segment.empty() && !(last && allow_trailing_slash)) {
      return Error::InvalidArgument("object key '{}': empty path segment ('//' or a trailing '/')",
                                    whole);
    }
    if (segment == "." || segment == "..") {
      return Error::InvalidArgument("object key '{}': '{}' segments are not allowed", whole,
                                    segment);
    }
    if (last) break;
    start = end + 1;
  }
  return OkStatus();
}

Status ValidateCommon(std::string_view key, std::string_view what) {
  if (key.empty()) return Error::InvalidArgument("{} is empty: expected '<bucket>/<path>'", what);
  if (key.size() > kMaxKeyBytes) {
    return Error::InvalidArgument("{} '{}...' is {} bytes, over the limit of {}", what,
                                  key.substr(0, 64), key.size(), kMaxKeyBytes);
  }
  if (key.front() == '/') {
    return Error::InvalidArgument("{} '{}' starts with '/': keys are relative to the lake", what,
                                  key);
  }
  for (size_t i = 0; i < key.size(); ++i) {
    if (IsControl(key[i])) {
      // The key itself is not printed raw: a control character would break the line.
      return Error::InvalidArgument("{} has control character 0x{:02x} at byte {}: not allowed",
                                    what, static_cast<unsigned char>(key[i]), i);
    }
  }
  return OkStatus();
}

}  // namespace

KeyParts SplitKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {key, {}};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

Status ValidateBucketName(std::string_view bucket, std::string_view key) {
  auto is_lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool valid = bucket.size() >= 3 && bucket.size() <= 63 && is_lower_alnum(bucket.front()) &&
               is_lower_alnum(bucket.back()) &&
               std::all_of(bucket.begin(), bucket.end(),
                           [&](char c) { return is_lower_alnum(c) || c == '.' || c == '-'; });
  if (!valid) {
    return Error::InvalidArgument("object key '{}': bucket '{}' is not a valid bucket name", key,
                                  bucket)
        .Hint(
            "the first key segment is the bucket: 3 to 63 of a-z 0-9 . -, starting and ending "
            "with a letter or digit");
  }
  return OkStatus();
}

Status ValidateKey(std::string_view key) {
  SLUICE_TRY(ValidateCommon(key, "object key"));
  KeyParts parts = SplitKey(key);
  SLUICE_TRY(ValidateBucketName(parts.bucket, key));
  if (key.find('/') == std::string_view::npos) {
    return Error::InvalidArgument("object key '{}' names only a bucket: expected '<bucket>/<path>'",
                                  key);
  }
  return ValidateSegments(parts.path, key, /*allow_trailing_slash=*/false);
}

Status ValidatePrefix(std::string_view prefix) {
  SLUICE_TRY(ValidateCommon(prefix, "listing prefix"));
  KeyParts parts = SplitKey(prefix);
  SLUICE_TRY(ValidateBucketName(parts.bucket, prefix));
  if (parts.path.empty()) return OkStatus();
  return ValidateSegments(parts.path, prefix, /*allow_trailing_slash=*/true);
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const Url& url, const LakeOptions& options) {
  if (url.scheme == "file") {
    if (!url.host.empty() && url.host != "localhost") {
      return Error::InvalidArgument("lake URL {}: file:// URLs name a local folder, not host '{}'",
                                    url.ToString(), url.host)
          .Hint("write file:///absolute/path (three slashes)");
    }
    return OpenFsStore(url.path);
  }
  if (url.scheme == "s3") return OpenS3Store(url, options);
  return Error::InvalidArgument("lake URL {}: unknown scheme '{}'", url.ToString(), url.scheme)
      .Hint("known schemes: file:///abs/path, s3://KEY:SECRET@host:port");
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url_or_path,
                                                     const LakeOptions& options) {
  if (!url_or_path.empty() && url_or_path.front() == '/') {
    return OpenFsStore(std::string(url_or_path));
  }
  SLUICE_ASSIGN_OR_RETURN(Url url, Url::Parse(url_or_path));
  return OpenObjectStore(url, options);
}

Status PutString(ObjectStore& store, std::string_view key, std::string_view bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto writer, store.Create(key));
  SLUICE_TRY(writer->Write(bytes));
  return writer->Commit();
}

Result<std::string> GetString(ObjectStore& store, std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.Open(key));
  std::string out;
  out.reserve(reader->size());
  char buffer[64 * 1024];
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer, sizeof buffer));
    if (n == 0) break;
    out.append(buffer, n);
  }
  return out;
}

Result<std::vector<std::string>> ObjectStore::ListFolders(std::string_view prefix) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, List(prefix));
  std::vector<std::string> folders;
  for (const ObjectInfo& object : objects) {
    std::string_view rest = std::string_view(object.key).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) continue;
    std::string folder = fmt::format("{}{}", prefix, rest.substr(0, slash + 1));
    if (folders.empty() || folders.back() != folder) folders.push_back(std::move(folder));
  }
  return folders;
}

Result<size_t> DeletePrefix(ObjectStore& store, std::string_view prefix) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store.List(prefix));
  for (const ObjectInfo& object : objects) {
    SLUICE_TRY(store.Delete(object.key).map_error([&](Error e) {
      return std::move(e).AddContext(fmt::format("deleting prefix '{}'", prefix));
    }));
  }
  return objects.size();
}

}  // namespace sluice::lake
