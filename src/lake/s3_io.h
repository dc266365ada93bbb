// The S3 store's streaming reader and writer (private to lake/).
#pragma once

#include <memory>
#include <string>

#include "lake/s3_client.h"

namespace sluice::lake {

// GET of bucket/path, bytes [offset, offset + length) (the whole object when
// offset is 0 and length UINT64_MAX), pulled through a bounded buffer as the
// caller reads. key is the lake key, for messages.
Result<std::unique_ptr<ObjectReader>> OpenS3Reader(const std::shared_ptr<S3Client>& client,
                                                   std::string bucket, std::string path,
                                                   std::string key, uint64_t offset,
                                                   uint64_t length);

// One PUT up to the part size; past it a multipart upload with parts sent
// concurrently, completed by Commit() and aborted otherwise.
std::unique_ptr<ObjectWriter> CreateS3Writer(std::shared_ptr<S3Client> client, std::string bucket,
                                             std::string path, std::string key);

}  // namespace sluice::lake
