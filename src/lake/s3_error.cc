// S3 error documents and transport failures, turned into Errors that say what
// to fix. Codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
#include <pugixml.hpp>

#include "lake/s3_client.h"

namespace sluice::lake {
namespace {

struct ErrorDocument {
  std::string code;
  std::string message;
};

ErrorDocument ParseErrorDocument(std::string_view body) {
  pugi::xml_document document;
  if (body.empty() || !document.load_buffer(body.data(), body.size())) return {};
  pugi::xml_node error = document.child("Error");
  return {error.child_value("Code"), error.child_value("Message")};
}

// A HEAD response has no body: name the status instead.
std::string CodeForBodylessStatus(long status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 416:
      return "InvalidRange";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    default:
      return "HTTP" + std::to_string(status);
  }
}

}  // namespace

Error S3Client::ErrorFromResponse(const S3Response& response, const S3Request& request,
                                  std::string_view what) const {
  ErrorDocument document = ParseErrorDocument(response.body);
  const std::string code =
      document.code.empty() ? CodeForBodylessStatus(response.status) : document.code;
  const std::string where = fmt::format("{} on {}", what, Describe());
  const std::string cause = fmt::format("HTTP {} {}{}{}", response.status, code,
                                        document.message.empty() ? "" : ": ", document.message);
  const std::string& bucket = request.bucket;
  if (code == "NoSuchBucket") {
    return Error::NotFound("{}: bucket '{}' does not exist ({})", where, bucket, cause)
        .Hint(
            "check the bucket (the first key segment); sluice creates buckets only when it "
            "writes");
  }
  if (code == "NoSuchKey" || code == "NotFound") {
    return Error::NotFound("{}: no such object ({})", where, cause);
  }
  if (code == "SignatureDoesNotMatch") {
    return Error::Unauthenticated("{}: wrong secret key or clock skew ({})", where, cause)
        .Hint(
            "check the secret key (the password part of the lake URL, URL-encoded, or "
            "AWS_SECRET_ACCESS_KEY) and this machine's clock");
  }
  // XAdminUserNotFound: versitygw's word for the same thing.
  if (code == "InvalidAccessKeyId" || code == "XAdminUserNotFound") {
    return Error::Unauthenticated("{}: the server does not know this access key ({})", where, cause)
        .Hint("check the access key (the user part of the lake URL, or AWS_ACCESS_KEY_ID)");
  }
  if (code == "RequestTimeTooSkewed") {
    return Error::Unauthenticated("{}: this machine's clock is off ({})", where, cause)
        .Hint("synchronise the clock (NTP)");
  }
  if (code == "AccessDenied" || code == "Forbidden" || code == "AllAccessDisabled") {
    return Error::PermissionDenied("{}: {}", where, cause)
        .Hint(
            "the access key in the lake URL needs s3:GetObject, s3:PutObject, s3:ListBucket, "
            "s3:DeleteObject and s3:CreateBucket on bucket '{}'{}",
            bucket,
            response.status == 403 && document.code.empty()
                ? " (or the secret key is wrong: a HEAD response cannot say which)"
                : "");
  }
  if (code == "SlowDown" || code == "RequestTimeout" || code == "InternalError" ||
      code == "ServiceUnavailable" || response.status >= 500) {
    return Error::Unavailable("{}: {}", where, cause);
  }
  if (code == "InvalidBucketName" || code == "KeyTooLongError" || response.status == 400) {
    return Error::InvalidArgument("{}: {}", where, cause);
  }
  if (response.status == 404) return Error::NotFound("{}: {}", where, cause);
  return Error::FailedPrecondition("{}: {}", where, cause);
}

Error S3Client::ErrorFromCurl(CURLcode code, const char* error_text, std::string_view what) const {
  std::string cause = error_text != nullptr && *error_text != '\0' ? std::string(error_text)
                                                                   : curl_easy_strerror(code);
  const std::string endpoint =
      fmt::format("{}://{}{}", config_.tls ? "https" : "http", config_.host,
                  config_.port ? fmt::format(":{}", *config_.port) : "");
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return Error::Unavailable("{}: S3 endpoint {} unreachable: {}", what, endpoint, cause)
          .Hint("is the S3 server running, and are host and port in the lake URL right?");
    case CURLE_OPERATION_TIMEDOUT:
      return Error::DeadlineExceeded("{}: S3 endpoint {} timed out: {}", what, endpoint, cause);
    case CURLE_SSL_CONNECT_ERROR:
      return Error::Unavailable("{}: TLS handshake with {} failed: {}", what, endpoint, cause)
          .Retryable(false)
          .Hint("if the endpoint speaks plain HTTP, add ?tls=false to the lake URL");
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error::Unavailable("{}: TLS certificate of {} not trusted: {}", what, endpoint, cause)
          .Retryable(false);
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Error::Unavailable("{}: connection to {} failed: {}", what, endpoint, cause);
    case CURLE_ABORTED_BY_CALLBACK:
      return Error::Aborted("{}: cancelled", what);
    case CURLE_WRITE_ERROR:
      return Error::ResourceExhausted("{}: response from {} too large or refused: {}", what,
                                      endpoint, cause);
    default:
      return Error::Internal("{}: request to {} failed: {}", what, endpoint, cause);
  }
}

}  // namespace sluice::lake
