#include "core/error.h"

#include <cstdio>
#include <cstdlib>

#include "core/mask.h"

namespace sluice {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kCancelled: return "CANCELLED";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kNotFound: return "NOT_FOUND";
    case Code::kAlreadyExists: return "ALREADY_EXISTS";
    case Code::kPermissionDenied: return "PERMISSION_DENIED";
    case Code::kUnauthenticated: return "UNAUTHENTICATED";
    case Code::kResourceExhausted: return "RESOURCE_EXHAUSTED";
    case Code::kFailedPrecondition: return "FAILED_PRECONDITION";
    case Code::kAborted: return "ABORTED";
    case Code::kUnavailable: return "UNAVAILABLE";
    case Code::kDeadlineExceeded: return "DEADLINE_EXCEEDED";
    case Code::kDataLoss: return "DATA_LOSS";
    case Code::kUnimplemented: return "UNIMPLEMENTED";
    case Code::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

Error::Error(Code code, std::string message) : code_(code), message_(Mask(std::move(message))) {}

std::string Error::Mask(std::string text) {
  // One line, always: a newline inside a cause (libpq adds them) would split log records.
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return MaskSecrets(text);
}

Error& Error::AddContext(std::string_view where) & {
  message_ = Mask(fmt::format("{}: {}", where, message_));
  return *this;
}

Error&& Error::AddContext(std::string_view where) && {
  message_ = Mask(fmt::format("{}: {}", where, message_));
  return std::move(*this);
}

std::string Error::ToString() const {
  if (hint_.empty()) return message_;
  return fmt::format("{} (hint: {})", message_, hint_);
}

namespace internal {
void CheckFailed(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "sluice: internal check failed at %s:%d: %s\n", file, line, condition);
  std::abort();
}
}  // namespace internal

}  // namespace sluice
