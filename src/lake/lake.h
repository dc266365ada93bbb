// The lake: an object store holding the raw and clean buckets.
//
// Keys are "<bucket>/<path>", e.g.
// "raw/jsonplaceholder/users/ds=2025-03-15/run=r1/part-00000.json": the first segment names the
// bucket (a folder on the filesystem, a bucket on S3), the rest the object inside it. Buckets are
// created when first written.
//
// Contract shared by every implementation (tests/lake/object_store_contract_test.cc):
// - An object appears whole or not at all: a writer's bytes are visible only
//   after Commit(); a writer destroyed without Commit() leaves nothing behind.
// - Keys are validated before any effect: empty segments, "." or "..", a
//   leading '/', NUL and other control characters, and keys over 1024 bytes are
//   kInvalidArgument; so is a bucket segment that is not a valid S3 bucket name
//   (3 to 63 of a-z 0-9 . -, starting and ending with a letter or digit), so a
//   layout that works on the filesystem works on S3 too.
// - Open/Head of an absent key: kNotFound. Delete of an absent key: OK.
// - An unreachable store: kUnavailable (retryable); credentials refused:
//   kPermissionDenied or kUnauthenticated, with a hint saying what to fix.
// - List of a bucket never written is empty, not an error.
// - A reader whose body ends short of size() reports kDataLoss.
// - Implementations are thread-safe; readers and writers are not (one thread each).
//   Readers and writers may outlive the store that made them.
// - The filesystem cannot hold both "raw/a" and "raw/a/b" (a file is not a
//   folder); S3 can. Layouts should not rely on either.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::lake {

struct ObjectInfo {
  std::string key;  // "<bucket>/<path>"
  uint64_t size = 0;
  TimePoint modified;
};

class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;  // without Commit(): aborted, nothing visible
  virtual Status Write(std::string_view bytes) = 0;
  // Makes the object visible, whole; after it the writer accepts nothing more.
  virtual Status Commit() = 0;
  // The same, from a caller that hashed every byte it wrote: a store that
  // sends the object in one signed request uses sha256_hex (lower-case hex)
  // instead of hashing the bytes again. A wrong digest fails the commit there.
  virtual Status CommitWithSha256(std::string_view sha256_hex) {
    (void)sha256_hex;
    return Commit();
  }
  virtual uint64_t bytes_written() const = 0;
};

class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Reads up to buffer.size() bytes; 0 at the end. A body shorter than the
  // object's size is kDataLoss.
  virtual Result<size_t> Read(char* buffer, size_t capacity) = 0;
  virtual uint64_t size() const = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual Result<std::unique_ptr<ObjectWriter>> Create(std::string_view key) = 0;
  virtual Result<std::unique_ptr<ObjectReader>> Open(std::string_view key) = 0;
  // Bytes [offset, offset + length) of the object; a range past the end is cut short.
  virtual Result<std::unique_ptr<ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                          uint64_t length) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // Every object whose key starts with prefix, sorted by key. The prefix must
  // name a bucket ("raw/" or "raw/jsonplaceholder/users/").
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // The folders one level under prefix ("raw/jp/users/ds=2025-03-15/" ->
  // "raw/jp/users/ds=2025-03-15/run=r1/", ...), sorted, without listing what
  // they hold where the store can (S3: a delimiter); by default from List.
  virtual Result<std::vector<std::string>> ListFolders(std::string_view prefix);
  virtual Status Delete(std::string_view key) = 0;
  // Where the store is, safe to print: "file:///var/lib/sluice/lake", "s3://127.0.0.1:7070".
  virtual std::string Describe() const = 0;
};

// Settings a URL does not carry. The defaults suit production; tests shrink them.
struct LakeOptions {
  // s3:// credentials when the URL has no "user:password@" (the CLI passes
  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN here; the
  // lake never reads the environment). Registered as secrets when used.
  std::string access_key;
  std::string secret_key;
  std::string session_token;
  // S3 streamed uploads: an object up to part_size bytes is one PUT; a larger
  // one becomes a multipart upload with at most max_parts_in_flight parts
  // uploading at once, so a writer holds at most
  // (max_parts_in_flight + 1) * part_size bytes; the uploads of one store
  // under way at once share max_parts_in_flight. S3 needs part_size >= 5 MiB.
  size_t part_size = 5u << 20;  // the least S3 allows: collection writes several at once
  int max_parts_in_flight = 2;
  // S3 requests: attempts for retryable failures (connect errors, 5xx,
  // SlowDown, RequestTimeout), with exponential backoff and jitter from
  // initial_backoff; connect_timeout per attempt; a transfer slower than
  // 1 byte/s for low_speed_timeout is a failed attempt.
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds low_speed_timeout{30000};
  // Signing time (SigV4) and backoff sleeps; the system clock when null.
  Clock* clock = nullptr;
};

// "file:///abs/path" and "s3://KEY:SECRET@host:port?tls=false&region=us-east-1&style=path".
// s3:// query keys: tls (default true), region (default us-east-1), style
// ("path", the default, or "virtual"). An unknown scheme is kInvalidArgument
// naming the known ones.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const Url& url,
                                                     const LakeOptions& options = {});
// The same from text; also accepts a plain absolute path ("/var/lib/sluice/lake").
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view url_or_path,
                                                     const LakeOptions& options = {});

// Checks a key against the contract above; every implementation calls it first.
Status ValidateKey(std::string_view key);

// Conveniences over any store.
Status PutString(ObjectStore& store, std::string_view key, std::string_view bytes);
Result<std::string> GetString(ObjectStore& store, std::string_view key);
// Deletes every object under prefix; returns how many.
Result<size_t> DeletePrefix(ObjectStore& store, std::string_view prefix);

}  // namespace sluice::lake
