#include "lake/fs_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "lake/key.h"

namespace sluice::lake {
namespace {

// A writer's bytes live under this name until Commit() renames them; List
// skips such names and keys may not use them.
constexpr std::string_view kTempPrefix = ".sluice-tmp-";
constexpr size_t kWriteBufferBytes = 256 * 1024;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

Code CodeForErrno(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return Code::kNotFound;
    case EACCES:
    case EPERM:
    case EROFS:
      return Code::kPermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
      return Code::kResourceExhausted;
    case ELOOP:
      return Code::kInvalidArgument;
    case EEXIST:
    case EISDIR:
      return Code::kFailedPrecondition;
    default:
      return Code::kInternal;
  }
}

Error ErrnoError(int err, std::string_view what, std::string_view key, std::string_view root) {
  std::string cause = std::strerror(err);
  if (err == ELOOP) cause = "it is a symbolic link, which the lake does not follow";
  if (err == EISDIR || err == EEXIST || err == ENOTDIR) {
    cause += " (on the filesystem a key cannot be both an object and a folder of objects)";
  }
  return Error(CodeForErrno(err),
               fmt::format("{} '{}' in lake file://{}: {}", what, key, root, cause));
}

std::string RandomTempName() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{}{:016x}{:x}", kTempPrefix, random(), counter.fetch_add(1));
}

int RetryOnEintr(auto call) {
  int result;
  do {
    result = call();
  } while (result < 0 && errno == EINTR);
  return result;
}

class FsWriter final : public ObjectWriter {
 public:
  FsWriter(Fd dir, Fd file, std::string temp_name, std::string name, std::string key,
           std::string root)
      : dir_(std::move(dir)),
        file_(std::move(file)),
        temp_name_(std::move(temp_name)),
        name_(std::move(name)),
        key_(std::move(key)),
        root_(std::move(root)) {
    buffer_.reserve(kWriteBufferBytes);
  }
  ~FsWriter() override {
    if (!committed_) ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
  }

  Status Write(std::string_view bytes) override {
    if (committed_ || failed_) {
      return Error::FailedPrecondition("write to '{}' after {}", key_,
                                       committed_ ? "Commit()" : "a failed write");
    }
    bytes_written_ += bytes.size();
    if (buffer_.size() + bytes.size() <= kWriteBufferBytes) {
      buffer_.append(bytes);
      return OkStatus();
    }
    SLUICE_TRY(Flush());
    if (bytes.size() >= kWriteBufferBytes) return WriteAll(bytes);
    buffer_.append(bytes);
    return OkStatus();
  }

  Status Commit() override {
    if (committed_ || failed_) {
      return Error::FailedPrecondition("Commit() of '{}' after {}", key_,
                                       committed_ ? "Commit()" : "a failed write");
    }
    failed_ = true;  // until every step below succeeded
    SLUICE_TRY(Flush());
    if (RetryOnEintr([&] { return ::fsync(file_.get()); }) != 0) {
      return ErrnoError(errno, "fsync of", key_, root_);
    }
    file_.Reset();
    if (::renameat(dir_.get(), temp_name_.c_str(), dir_.get(), name_.c_str()) != 0) {
      return ErrnoError(errno, "rename into place of", key_, root_);
    }
    committed_ = true;
    failed_ = false;
    // The rename is durable only once the folder is synced.
    if (RetryOnEintr([&] { return ::fsync(dir_.get()); }) != 0) {
      return ErrnoError(errno, "fsync of the folder of", key_, root_);
    }
    return OkStatus();
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  Status Flush() {
    Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(file_.get(), bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        failed_ = true;
        return ErrnoError(errno, "write of", key_, root_);
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }

  Fd dir_;
  Fd file_;
  std::string temp_name_;
  std::string name_;
  std::string key_;
  std::string root_;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  bool committed_ = false;
  bool failed_ = false;
};

class FsReader final : public ObjectReader {
 public:
  FsReader(Fd file, uint64_t size, std::string key)
      : file_(std::move(file)), size_(size), remaining_(size), key_(std::move(key)) {}

  Result<size_t> Read(char* buffer, size_t capacity) override {
    if (remaining_ == 0 || capacity == 0) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(capacity, remaining_));
    ssize_t n;
    do {
      n = ::read(file_.get(), buffer, want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      return Error::Internal("read of '{}': {}", key_, std::strerror(errno)).Retryable(true);
    }
    if (n == 0) {
      return Error::DataLoss("object '{}' ended after {} of {} bytes (truncated on disk?)", key_,
                             size_ - remaining_, size_);
    }
    remaining_ -= static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

  uint64_t size() const override { return size_; }

 private:
  Fd file_;
  uint64_t size_;
  uint64_t remaining_;
  std::string key_;
};

TimePoint ModifiedTime(const struct stat& st) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

class FsStore final : public ObjectStore {
 public:
  FsStore(std::string root, Fd root_fd) : root_(std::move(root)), root_fd_(std::move(root_fd)) {}

  Result<std::unique_ptr<ObjectWriter>> Create(std::string_view key) override {
    SLUICE_TRY(CheckKey(key));
    std::string_view name;
    SLUICE_ASSIGN_OR_RETURN(Fd dir, OpenParent(key, /*create_missing=*/true, &name));
    std::string temp_name = RandomTempName();
    int fd = ::openat(dir.get(), temp_name.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return ErrnoError(errno, "create of", key, root_);
    return std::make_unique<FsWriter>(std::move(dir), Fd(fd), std::move(temp_name),
                                      std::string(name), std::string(key), root_);
  }

  Result<std::unique_ptr<ObjectReader>> Open(std::string_view key) override {
    return OpenRange(key, 0, UINT64_MAX);
  }

  Result<std::unique_ptr<ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                  uint64_t length) override {
    SLUICE_TRY(CheckKey(key));
    std::string_view name;
    SLUICE_ASSIGN_OR_RETURN(Fd dir, OpenParent(key, /*create_missing=*/false, &name));
    std::string name_text(name);
    // O_NONBLOCK: a FIFO planted in the lake must not hang the reader.
    Fd file(::openat(dir.get(), name_text.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (file.get() < 0) return ErrnoError(errno, "open of", key, root_);
    struct stat st;
    if (::fstat(file.get(), &st) != 0) return ErrnoError(errno, "stat of", key, root_);
    if (!S_ISREG(st.st_mode)) return NotAnObject(key);
    auto size = static_cast<uint64_t>(st.st_size);
    uint64_t start = std::min(offset, size);
    uint64_t count = std::min(length, size - start);
    if (start > 0 && ::lseek(file.get(), static_cast<off_t>(start), SEEK_SET) < 0) {
      return ErrnoError(errno, "seek in", key, root_);
    }
    return std::make_unique<FsReader>(std::move(file), count, std::string(key));
  }

  Result<ObjectInfo> Head(std::string_view key) override {
    SLUICE_TRY(CheckKey(key));
    std::string_view name;
    SLUICE_ASSIGN_OR_RETURN(Fd dir, OpenParent(key, /*create_missing=*/false, &name));
    struct stat st;
    if (::fstatat(dir.get(), std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoError(errno, "stat of", key, root_);
    }
    if (S_ISLNK(st.st_mode)) return ErrnoError(ELOOP, "stat of", key, root_);
    if (!S_ISREG(st.st_mode)) return NotAnObject(key);
    return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), ModifiedTime(st)};
  }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;

  Status Delete(std::string_view key) override {
    SLUICE_TRY(CheckKey(key));
    std::string_view name;
    auto dir = OpenParent(key, /*create_missing=*/false, &name);
    if (!dir) return dir.error().code() == Code::kNotFound ? OkStatus() : Status(dir.error());
    if (::unlinkat(dir->get(), std::string(name).c_str(), 0) != 0) {
      // EISDIR: the key names a folder of objects, so no object by that key exists.
      if (errno == ENOENT || errno == EISDIR) return OkStatus();
      return ErrnoError(errno, "delete of", key, root_);
    }
    return OkStatus();
  }

  std::string Describe() const override { return "file://" + root_; }

 private:
  Error NotAnObject(std::string_view key) const {
    return Error::NotFound("object '{}' in lake file://{}: no such object (a folder of objects)",
                           key, root_);
  }

  Status CheckKey(std::string_view key) const {
    SLUICE_TRY(ValidateKey(key));
    if (key.find(std::string("/") + std::string(kTempPrefix)) != std::string_view::npos) {
      return Error::InvalidArgument("object key '{}': segments starting with '{}' are reserved",
                                    key, kTempPrefix);
    }
    return OkStatus();
  }

  // Opens the folder holding the key's last segment (stored in *name), one
  // segment at a time without following symbolic links, so no key reaches
  // outside the root.
  Result<Fd> OpenParent(std::string_view key, bool create_missing, std::string_view* name) const;
  Status Walk(int dir_fd, const std::string& dir_key, std::string_view prefix,
              std::vector<ObjectInfo>* out) const;

  std::string root_;
  Fd root_fd_;
};

Result<Fd> FsStore::OpenParent(std::string_view key, bool create_missing,
                               std::string_view* name) const {
  size_t last_slash = key.rfind('/');
  *name = key.substr(last_slash + 1);
  std::string_view folders = key.substr(0, last_slash);
  int current = root_fd_.get();
  Fd held;
  while (!folders.empty()) {
    size_t slash = folders.find('/');
    std::string segment(folders.substr(0, slash));
    folders = slash == std::string_view::npos ? std::string_view() : folders.substr(slash + 1);
    bool created = false;
    if (create_missing) {
      if (::mkdirat(current, segment.c_str(), 0755) == 0) {
        created = true;
      } else if (errno != EEXIST) {
        return ErrnoError(errno, "create folder for", key, root_);
      }
    }
    int fd = ::openat(current, segment.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      struct stat st;
      // O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR; name the real reason.
      if (err == ENOTDIR && ::fstatat(current, segment.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          S_ISLNK(st.st_mode)) {
        err = ELOOP;
      }
      return ErrnoError(err, "open folder for", key, root_);
    }
    // A new folder's entry is durable only once its parent is synced.
    if (created) ::fsync(current);
    held = Fd(fd);
    current = fd;
  }
  if (held.get() < 0) held = Fd(::dup(root_fd_.get()));
  return held;
}

Status FsStore::Walk(int dir_fd, const std::string& dir_key, std::string_view prefix,
                     std::vector<ObjectInfo>* out) const {
  int dup_fd = ::dup(dir_fd);  // closedir() closes the copy
  DIR* dir = dup_fd < 0 ? nullptr : ::fdopendir(dup_fd);
  if (dir == nullptr) {
    int err = errno;
    if (dup_fd >= 0) ::close(dup_fd);
    return ErrnoError(err, "list of", dir_key, root_);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    std::string key = dir_key + "/" + std::string(name);
    struct stat st;
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced
    if (S_ISREG(st.st_mode)) {
      if (key.starts_with(prefix)) {
        out->push_back({std::move(key), static_cast<uint64_t>(st.st_size), ModifiedTime(st)});
      }
    } else if (S_ISDIR(st.st_mode)) {
      std::string folder = key + "/";
      if (!folder.starts_with(prefix) && !prefix.starts_with(folder)) continue;
      Fd child(::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.get() < 0) {
        if (errno == ENOENT) continue;  // deleted while listing
        return ErrnoError(errno, "list of", key, root_);
      }
      SLUICE_TRY(Walk(child.get(), key, prefix, out));
    }
  }
  return OkStatus();
}

Result<std::vector<ObjectInfo>> FsStore::List(std::string_view prefix) {
  SLUICE_TRY(ValidatePrefix(prefix));
  std::vector<ObjectInfo> out;
  // Start at the deepest folder the prefix names in full ("raw/a/b" -> "raw/a").
  size_t last_slash = prefix.rfind('/');
  std::string start_key(last_slash == std::string_view::npos ? prefix
                                                             : prefix.substr(0, last_slash));
  std::string_view name;
  std::string probe = start_key + "/x";
  auto dir = OpenParent(probe, /*create_missing=*/false, &name);
  if (!dir) {
    if (dir.error().code() == Code::kNotFound) return out;  // no such bucket or folder yet
    return dir.error();
  }
  SLUICE_TRY(Walk(dir->get(), start_key, prefix, &out));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenFsStore(const std::string& root) {
  if (root.empty() || root.front() != '/') {
    return Error::InvalidArgument("lake root '{}' is not an absolute path", root)
        .Hint("write file:///absolute/path");
  }
  std::string clean = root;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  // mkdir -p: each missing ancestor in turn.
  for (size_t slash = clean.find('/', 1);; slash = clean.find('/', slash + 1)) {
    std::string ancestor = clean.substr(0, slash);
    if (::mkdir(ancestor.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error(CodeForErrno(errno),
                   fmt::format("create lake root folder '{}': {}", ancestor, std::strerror(errno)));
    }
    if (slash == std::string::npos) break;
  }
  Fd fd(::open(clean.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Error(CodeForErrno(errno),
                 fmt::format("open lake root folder '{}': {}", clean, std::strerror(errno)));
  }
  return std::make_unique<FsStore>(std::move(clean), std::move(fd));
}

}  // namespace sluice::lake
