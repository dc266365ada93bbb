#include "source/raw_part.h"

#include <openssl/evp.h>

#include <vector>

namespace sluice::source {
namespace {

constexpr size_t kExcerptBytes = 200;
constexpr size_t kCopyBufferBytes = 1 << 20;

Status CopyObject(lake::ObjectStore& store, std::string_view from, std::string_view to) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.Open(from));
  SLUICE_ASSIGN_OR_RETURN(auto writer, store.Create(to));
  std::vector<char> buffer(kCopyBufferBytes);
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t count, reader->Read(buffer.data(), buffer.size()));
    if (count == 0) break;
    SLUICE_TRY(writer->Write(std::string_view(buffer.data(), count)));
  }
  return writer->Commit();
}

}  // namespace

struct Sha256::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  SLUICE_CHECK(context_->md != nullptr);
  Reset();
}

Sha256::~Sha256() = default;

void Sha256::Reset() { SLUICE_CHECK(EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) == 1); }

void Sha256::Update(std::string_view bytes) {
  SLUICE_CHECK(EVP_DigestUpdate(context_->md, bytes.data(), bytes.size()) == 1);
}

std::string Sha256::HexDigest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  SLUICE_CHECK(EVP_DigestFinal_ex(context_->md, digest, &length) == 1);
  std::string hex;
  hex.reserve(size_t{length} * 2);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

RawPartWriter::RawPartWriter(lake::ObjectStore& store, std::string key, size_t max_record_bytes)
    : store_(store), key_(std::move(key)), validator_(max_record_bytes) {}

void RawPartWriter::StartAttempt() {
  writer_.reset();
  sha256_.Reset();
  validator_.Reset();
  bytes_ = 0;
  excerpt_.clear();
}

Status RawPartWriter::OnResponse(const HttpResponse& head) {
  if (head.status < 200 || head.status > 299) return OkStatus();
  SLUICE_ASSIGN_OR_RETURN(writer_, store_.Create(key_));
  return OkStatus();
}

Status RawPartWriter::OnBody(std::string_view bytes) {
  if (writer_ == nullptr) {
    for (char c : bytes.substr(0, kExcerptBytes - std::min(kExcerptBytes, excerpt_.size()))) {
      auto byte = static_cast<unsigned char>(c);
      excerpt_ += byte >= 0x20 && byte < 0x7f ? c : ' ';
    }
    return OkStatus();
  }
  if (auto written = writer_->Write(bytes); !written) {
    writer_.reset();  // the store failed, not the server: nothing worth keeping
    return written;
  }
  sha256_.Update(bytes);
  validator_.Feed(bytes);  // an invalid body is still stored whole, for inspection
  bytes_ += bytes.size();
  return OkStatus();
}

Result<PartStats> RawPartWriter::Commit() {
  SLUICE_CHECK(writer_ != nullptr);
  if (!validator_.Finish()) {
    auto failed_key = KeepFailed();
    if (!failed_key) {
      return Error::DataLoss("{}; keeping the body failed: {}", validator_.error(),
                             failed_key.error().message());
    }
    return Error::DataLoss("{}; body kept as {}", validator_.error(), *failed_key)
        .Hint("the server sent invalid JSON; inspect the kept body, then re-run the task");
  }
  std::string sha256 = sha256_.HexDigest();
  SLUICE_TRY(writer_->CommitWithSha256(sha256));
  writer_.reset();
  return PartStats{.bytes = bytes_, .sha256 = std::move(sha256), .records = validator_.records()};
}

// The store has no rename, so the bytes are committed under the part's key,
// copied to the failed name and deleted. Should the process die in between, a
// stray part-NNNNN.json remains, but no manifest names it: it is never read.
Result<std::string> RawPartWriter::KeepFailed() {
  SLUICE_CHECK(writer_ != nullptr);
  std::string failed_key = key_ + ".failed";
  SLUICE_TRY(writer_->Commit());
  writer_.reset();
  SLUICE_TRY(CopyObject(store_, key_, failed_key));
  SLUICE_TRY(store_.Delete(key_));
  return failed_key;
}

}  // namespace sluice::source
