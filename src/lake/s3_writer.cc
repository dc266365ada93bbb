// Streamed PUT. Bytes collect in a buffer of part_size; an object that fits is
// one PUT at Commit(). A larger one becomes a multipart upload: each full
// buffer is uploaded as a part on its own thread, at most max_parts_in_flight
// at once (a writer then waits for the oldest), so memory stays at
// (max_parts_in_flight + 1) * part_size whatever the object size; the
// multipart uploads of one client share max_parts_in_flight. Commit()
// completes the upload; a failure or a writer dropped without Commit() aborts
// it, so no partial object ever becomes visible.
//
// Every body goes with its CRC-32 (x-amz-checksum-crc32), which the server
// checks and keeps: it is what buckets with Object Lock ask for instead of
// Content-MD5, at a fifth of MD5's cost per byte. Where the payload is signed
// (payload=signed, or auto over plain HTTP to another machine) its SHA-256
// goes too, so integrity there never rests on the CRC alone.
#include <deque>
#include <future>
#include <pugixml.hpp>
#include <sstream>
#include <utility>

#include "lake/s3_io.h"

namespace sluice::lake {
namespace {

constexpr std::string_view kChecksumHeader = "x-amz-checksum-crc32";
constexpr size_t kFirstRoomBytes = size_t{512} << 10;

struct PartResult {
  Result<std::string> etag;
  std::string checksum;
  std::string buffer;  // handed back for reuse
};

struct UploadedPart {
  std::string etag;
  std::string checksum;
};

std::string XmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

class S3Writer final : public ObjectWriter {
 public:
  S3Writer(std::shared_ptr<S3Client> client, std::string bucket, std::string path, std::string key)
      : client_(std::move(client)),
        bucket_(std::move(bucket)),
        path_(std::move(path)),
        key_(std::move(key)),
        part_size_(std::max<size_t>(client_->config().options.part_size, 1)),
        max_in_flight_(std::max(client_->config().options.max_parts_in_flight, 1)),
        buffer_(client_->TakeBuffer()) {}

  ~S3Writer() override {
    if (!committed_) {
      cancel_ = true;
      while (!in_flight_.empty()) (void)CollectOldest();
      if (!upload_id_.empty()) AbortUpload();
    }
    StopSharingPartsInFlight();
    client_->GiveBuffer(std::move(buffer_));
  }

  Status Write(std::string_view bytes) override {
    SLUICE_TRY(CheckWritable("write to"));
    while (!bytes.empty()) {
      if (buffer_.size() == part_size_) SLUICE_TRY(Remember(DispatchPart()));
      size_t n = std::min(bytes.size(), part_size_ - buffer_.size());
      if (buffer_.size() + n > buffer_.capacity()) buffer_.reserve(RoomFor(buffer_.size() + n));
      buffer_.append(bytes.substr(0, n));
      bytes.remove_prefix(n);
      bytes_written_ += n;
    }
    return OkStatus();
  }

  Status Commit() override { return CommitWithSha256(std::string_view()); }

  Status CommitWithSha256(std::string_view sha256_hex) override {
    SLUICE_TRY(CheckWritable("Commit() of"));
    Status status = upload_id_.empty() ? PutSingle(sha256_hex) : FinishMultipart();
    if (!status) return Remember(std::move(status));
    committed_ = true;
    client_->GiveBuffer(std::exchange(buffer_, std::string()));
    return OkStatus();
  }

  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  Status CheckWritable(std::string_view action) const {
    if (committed_) return Error::FailedPrecondition("{} '{}' after Commit()", action, key_);
    if (failure_) return *failure_;
    return OkStatus();
  }

  Status Remember(Status status) {
    if (!status && !failure_) failure_ = status.error();
    return status;
  }

  S3Request ObjectRequest(std::string method) const {
    return S3Request{std::move(method), bucket_, path_, {}, {}, {}, &cancel_};
  }

  Status PutSingle(std::string_view sha256_hex) {
    S3Request request = ObjectRequest("PUT");
    request.body = buffer_;
    request.body_sha256 = sha256_hex;
    request.headers.emplace_back(kChecksumHeader, sigv4::Crc32Base64(buffer_));
    request.headers.emplace_back("x-amz-sdk-checksum-algorithm", "CRC32");
    SLUICE_TRY(client_->Send(request, fmt::format("PUT {}", key_)));
    return OkStatus();
  }

  Status StartUpload() {
    S3Request request = ObjectRequest("POST");
    request.query = {{"uploads", ""}};
    request.headers.emplace_back("x-amz-checksum-algorithm", "CRC32");
    SLUICE_ASSIGN_OR_RETURN(S3Response response,
                            client_->Send(request, fmt::format("CreateMultipartUpload {}", key_)));
    pugi::xml_document document;
    document.load_buffer(response.body.data(), response.body.size());
    upload_id_ = document.child("InitiateMultipartUploadResult").child_value("UploadId");
    if (upload_id_.empty()) {
      return Error::Internal("CreateMultipartUpload {} on {}: no UploadId in the answer", key_,
                             client_->Describe());
    }
    sharing_parts_in_flight_ = true;
    client_->StartMultipart();
    return OkStatus();
  }

  Status DispatchPart() {
    if (upload_id_.empty()) SLUICE_TRY(StartUpload());
    const int max_in_flight = std::min(max_in_flight_, client_->PartsInFlightPerUpload());
    while (static_cast<int>(in_flight_.size()) >= max_in_flight) SLUICE_TRY(CollectOldest());
    const int number = static_cast<int>(parts_.size()) + 1;
    parts_.emplace_back();
    S3Request request = ObjectRequest("PUT");
    request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
    std::string what = fmt::format("UploadPart {} of {}", number, key_);
    in_flight_.emplace_back(
        number, std::async(std::launch::async, [client = client_, request, what,
                                                buffer = std::move(buffer_)]() mutable {
          request.body = buffer;
          std::string checksum = sigv4::Crc32Base64(buffer);
          request.headers.emplace_back(kChecksumHeader, checksum);
          auto response = client->Send(request, what);
          PartResult result{response ? Result<std::string>(response->Header("etag"))
                                     : Result<std::string>(response.error()),
                            std::move(checksum), std::move(buffer)};
          return result;
        }));
    buffer_ = TakeSpareBuffer();
    // More spares than that are left over from a time with more parts in flight.
    spare_buffers_.clear();
    return OkStatus();
  }

  // Doubling a buffer on its way to part_size copies it and faults in a
  // fresh mapping each time, so its room grows in two steps at most. An API
  // page fits the first, which is under the mmap threshold and so is reused
  // by the next writer (S3Client::GiveBuffer) instead of being mapped,
  // faulted in and unmapped again for every page; what outgrows it takes a
  // whole part at once.
  size_t RoomFor(size_t bytes) const {
    return bytes <= kFirstRoomBytes ? std::min(kFirstRoomBytes, part_size_) : part_size_;
  }

  std::string TakeSpareBuffer() {
    std::string buffer;
    if (!spare_buffers_.empty()) {
      buffer = std::move(spare_buffers_.back());
      spare_buffers_.pop_back();
    }
    buffer.clear();
    buffer.reserve(part_size_);
    return buffer;
  }

  Status CollectOldest() {
    auto [number, future] = std::move(in_flight_.front());
    in_flight_.pop_front();
    PartResult result = future.get();
    spare_buffers_.push_back(std::move(result.buffer));
    if (!result.etag) return result.etag.error();
    if (result.etag->empty()) {
      return Error::Internal("UploadPart {} of {} on {}: no ETag in the answer", number, key_,
                             client_->Describe());
    }
    parts_[static_cast<size_t>(number - 1)] = {std::move(*result.etag), std::move(result.checksum)};
    return OkStatus();
  }

  Status FinishMultipart() {
    Status status = DispatchPart();  // the last part: never empty, parts go out only when full
    while (!in_flight_.empty()) {
      Status collected = CollectOldest();
      if (status && !collected) status = collected;
    }
    spare_buffers_.clear();
    StopSharingPartsInFlight();
    if (status) status = CompleteUpload();
    if (!status) {
      AbortUpload();
      upload_id_.clear();
    }
    return status;
  }

  Status CompleteUpload() {
    std::ostringstream xml;
    xml << "<CompleteMultipartUpload>";
    for (size_t i = 0; i < parts_.size(); ++i) {
      xml << "<Part><PartNumber>" << i + 1 << "</PartNumber><ETag>" << XmlEscape(parts_[i].etag)
          << "</ETag><ChecksumCRC32>" << parts_[i].checksum << "</ChecksumCRC32></Part>";
    }
    xml << "</CompleteMultipartUpload>";
    std::string body = xml.str();
    S3Request request = ObjectRequest("POST");
    request.query = {{"uploadId", upload_id_}};
    request.body = body;
    std::string what = fmt::format("CompleteMultipartUpload {} ({} parts)", key_, parts_.size());
    SLUICE_ASSIGN_OR_RETURN(S3Response response, client_->Send(request, what));
    // S3 may answer 200 and still fail: the error is then in the body.
    pugi::xml_document document;
    if (document.load_buffer(response.body.data(), response.body.size()) &&
        document.child("Error")) {
      response.status = 500;
      return client_->ErrorFromResponse(response, request, what);
    }
    return OkStatus();
  }

  void StopSharingPartsInFlight() {
    if (!sharing_parts_in_flight_) return;
    sharing_parts_in_flight_ = false;
    client_->EndMultipart();
  }

  // Best effort: a server that is down keeps the upload's parts until a
  // lifecycle rule (AbortIncompleteMultipartUpload) removes them; they are
  // never visible as an object.
  void AbortUpload() {
    S3Request request{"DELETE", bucket_, path_, {{"uploadId", upload_id_}}, {}, {}, nullptr};
    (void)client_->Send(request, fmt::format("AbortMultipartUpload {}", key_), {404});
  }

  std::shared_ptr<S3Client> client_;
  std::string bucket_;
  std::string path_;
  std::string key_;
  const size_t part_size_;
  const int max_in_flight_;
  std::string buffer_;
  std::vector<std::string> spare_buffers_;
  std::deque<std::pair<int, std::future<PartResult>>> in_flight_;
  std::vector<UploadedPart> parts_;
  std::string upload_id_;
  bool sharing_parts_in_flight_ = false;  // counted in the client's multipart uploads
  uint64_t bytes_written_ = 0;
  std::optional<Error> failure_;
  bool committed_ = false;
  std::atomic<bool> cancel_{false};
};

}  // namespace

std::unique_ptr<ObjectWriter> CreateS3Writer(std::shared_ptr<S3Client> client, std::string bucket,
                                             std::string path, std::string key) {
  return std::make_unique<S3Writer>(std::move(client), std::move(bucket), std::move(path),
                                    std::move(key));
}

}  // namespace sluice::lake
