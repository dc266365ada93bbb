// Errors as values: every fallible sluice call returns Result<T> (a value, or
// the Error saying why it is absent); Status is Result<void>.
//
// An Error carries a canonical Code, a one-line message that says what failed
// and where, optional context added by each layer on the way up, an optional
// hint (what to do) and whether retrying may help. Credentials inside URLs and
// every registered secret are masked when the Error is built, so no log site,
// HTTP response or exit message can leak them.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <utility>

namespace sluice {

enum class Code {
  kOk = 0,
  kCancelled,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,
  kFailedPrecondition,
  kAborted,
  kUnavailable,
  kDeadlineExceeded,
  kDataLoss,
  kUnimplemented,
  kInternal,
};

std::string_view CodeName(Code code);

class Error {
 public:
  Error(Code code, std::string message);

  template <typename... Args>
  static Error InvalidArgument(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kInvalidArgument, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error NotFound(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kNotFound, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error AlreadyExists(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kAlreadyExists, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error PermissionDenied(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kPermissionDenied, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error Unauthenticated(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kUnauthenticated, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error FailedPrecondition(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kFailedPrecondition, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error Aborted(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kAborted, fmt::format(f, std::forward<Args>(args)...));
  }
  // Unavailable is retryable by default: the service may come back.
  template <typename... Args>
  static Error Unavailable(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kUnavailable, fmt::format(f, std::forward<Args>(args)...)).Retryable(true);
  }
  template <typename... Args>
  static Error DeadlineExceeded(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kDeadlineExceeded, fmt::format(f, std::forward<Args>(args)...))
        .Retryable(true);
  }
  template <typename... Args>
  static Error DataLoss(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kDataLoss, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error ResourceExhausted(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kResourceExhausted, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error Unimplemented(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kUnimplemented, fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  static Error Internal(fmt::format_string<Args...> f, Args&&... args) {
    return Error(Code::kInternal, fmt::format(f, std::forward<Args>(args)...));
  }

  Code code() const { return code_; }
  // The message with the context added on the way up, outermost first:
  // "task load: table users: COPY failed: ...".
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }
  bool retryable() const { return retryable_; }

  // Prepends where the error passed ("table users"); never rewords the cause.
  Error& AddContext(std::string_view where) &;
  Error&& AddContext(std::string_view where) &&;
  template <typename... Args>
  Error&& Hint(fmt::format_string<Args...> f, Args&&... args) && {
    hint_ = Mask(fmt::format(f, std::forward<Args>(args)...));
    return std::move(*this);
  }
  Error&& Retryable(bool retryable) && {
    retryable_ = retryable;
    return std::move(*this);
  }

  // One line: "message (hint: ...)".
  std::string ToString() const;

 private:
  static std::string Mask(std::string text);

  Code code_;
  std::string message_;
  std::string hint_;
  bool retryable_ = false;
};

template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(Error error) : Base(tl::unexpect, std::move(error)) {}  // NOLINT: implicit by design
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns the error of a Result/Status expression from the enclosing function.
#define SLUICE_TRY(expr)                                       \
  do {                                                         \
    auto&& sluice_try_result = (expr);                         \
    if (!sluice_try_result) {                                  \
      return ::sluice::Error(std::move(sluice_try_result).error()); \
    }                                                          \
  } while (false)

// `SLUICE_ASSIGN_OR_RETURN(auto x, F());` binds the value or returns the error.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result) return ::sluice::Error(std::move(result).error()); \
  lhs = std::move(result).value()

// A broken invariant is a bug, not an error: abort with where and what.
#define SLUICE_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) ::sluice::internal::CheckFailed(__FILE__, __LINE__, #cond);        \
  } while (false)

namespace sluice::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}
