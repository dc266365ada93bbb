#include "server/http.h"

#include <charconv>

namespace sluice::server {
namespace {

constexpr int kMaxJsonDepth = 64;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Deeply nested JSON would exhaust the stack when echoed back, so it is
// refused before parsing.
bool NestsTooDeep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace

Reply JsonReply(int status, const nlohmann::json& body) {
  Reply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return reply;
}

Reply DetailReply(int status, std::string_view detail) {
  return JsonReply(status, {{"detail", detail}});
}

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kAborted:
      return 409;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

Reply ErrorReply(const Error& error) {
  std::string detail = error.message();
  if (!error.hint().empty()) detail += " (hint: " + error.hint() + ")";
  return DetailReply(HttpStatusOf(error.code()), detail);
}

Reply ValidationReply(const std::vector<ValidationIssue>& issues) {
  nlohmann::json detail = nlohmann::json::array();
  for (const ValidationIssue& issue : issues) {
    detail.push_back({{"type", issue.type}, {"loc", issue.loc}, {"msg", issue.msg}});
  }
  return JsonReply(422, {{"detail", detail}});
}

Reply ValidationReply(nlohmann::json loc, std::string msg, std::string type) {
  return ValidationReply({{std::move(loc), std::move(msg), std::move(type)}});
}

bool Allows(Access access, Role role) {
  switch (access) {
    case Access::kPublic:
    case Access::kViewer:
      return true;
    case Access::kUser:
      return role != Role::kViewer;
    case Access::kOp:
      return role == Role::kOp || role == Role::kAdmin;
    case Access::kAdmin:
      return role == Role::kAdmin;
  }
  return false;
}

const std::string& Call::Path(const std::string& name) const {
  auto it = path.find(name);
  SLUICE_CHECK(it != path.end());
  return it->second;
}

std::optional<std::string> Call::Query(const std::string& name) const {
  if (!request.has_param(name)) return std::nullopt;
  return request.get_param_value(name);
}

std::vector<std::string> Call::QueryAll(const std::string& name) const {
  std::vector<std::string> values;
  size_t count = request.get_param_value_count(name);
  for (size_t i = 0; i < count; ++i) values.push_back(request.get_param_value(name, i));
  return values;
}

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

Router::Match Router::Find(std::string_view method, std::string_view path, const Route** route,
                           std::map<std::string, std::string>* params) const {
  std::vector<std::string_view> segments = SplitPath(path);
  Match result = Match::kNoRoute;
  for (const Route& candidate : routes_) {
    std::vector<std::string_view> pattern = SplitPath(candidate.pattern);
    if (pattern.size() != segments.size()) continue;
    std::map<std::string, std::string> found;
    bool matches = true;
    for (size_t i = 0; i < pattern.size() && matches; ++i) {
      if (pattern[i].size() > 2 && pattern[i].front() == '{' && pattern[i].back() == '}') {
        std::string value = PercentDecode(segments[i]);
        matches = !value.empty();
        found[std::string(pattern[i].substr(1, pattern[i].size() - 2))] = std::move(value);
      } else {
        matches = pattern[i] == segments[i];
      }
    }
    if (!matches) continue;
    if (candidate.method != method && !(method == "HEAD" && candidate.method == "GET")) {
      result = Match::kWrongMethod;
      continue;
    }
    *route = &candidate;
    *params = std::move(found);
    return Match::kFound;
  }
  return result;
}

std::optional<Reply> ParseJsonBody(const httplib::Request& request,
                                   const std::vector<std::string>& allowed, nlohmann::json* body) {
  if (request.body.empty()) {
    return ValidationReply({"body"}, "Field required", "missing");
  }
  if (NestsTooDeep(request.body)) {
    return ValidationReply({"body"}, "JSON nests deeper than 64 levels", "json_invalid");
  }
  *body = nlohmann::json::parse(request.body, nullptr, false);
  if (body->is_discarded()) {
    return ValidationReply({"body", 0}, "JSON decode error", "json_invalid");
  }
  if (!body->is_object()) {
    return ValidationReply({"body"}, "Input should be a valid dictionary or object", "model_type");
  }
  std::vector<ValidationIssue> issues;
  for (const auto& [key, value] : body->items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      issues.push_back({{"body", key}, "Extra inputs are not permitted", "extra_forbidden"});
    }
  }
  if (!issues.empty()) return ValidationReply(issues);
  return std::nullopt;
}

namespace {

std::optional<int> ParseInt(const std::string& text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Paging> ParsePaging(const Call& call, Reply* reply) {
  Paging paging;
  for (auto [name, target, minimum] :
       {std::tuple{"limit", &paging.limit, 0}, std::tuple{"offset", &paging.offset, 0}}) {
    auto text = call.Query(name);
    if (!text) continue;
    auto value = ParseInt(*text);
    if (!value || *value < minimum) {
      *reply = ValidationReply({"query", name}, "Input should be a valid non-negative integer",
                               "int_parsing");
      return std::nullopt;
    }
    *target = *value;
  }
  paging.limit = std::min(paging.limit, 1000);
  return paging;
}

bool ParseBoolQuery(const Call& call, const std::string& name, std::optional<bool>* value,
                    Reply* reply) {
  auto text = call.Query(name);
  *value = std::nullopt;
  if (!text) return true;
  if (*text == "true" || *text == "True" || *text == "1") {
    *value = true;
  } else if (*text == "false" || *text == "False" || *text == "0") {
    *value = false;
  } else {
    *reply = ValidationReply({"query", name}, "Input should be a valid boolean", "bool_parsing");
    return false;
  }
  return true;
}

}  // namespace sluice::server
