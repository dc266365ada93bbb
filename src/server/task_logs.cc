// GET .../taskInstances/{task_id}/logs/{try_number}: a try's log, from the
// file the executor writes under $SLUICE_HOME/logs, as Airflow's structured
// {event, timestamp} lines (or text/plain), in pages with a continuation token.
#include <fstream>
#include <regex>

#include "executor/executor.h"
#include "server/context.h"
#include "server/crypto.h"

namespace sluice::server {
namespace {

constexpr size_t kMaxPageBytes = 1 << 20;

bool IsSafeSegment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         segment.find('/') == std::string_view::npos &&
         segment.find('\0') == std::string_view::npos;
}

// One log line as {event, timestamp}: a JSON object line passes as it is; a
// line starting with an ISO time ("[2025-03-15T10:00:00.123Z] text") is split.
nlohmann::json StructuredLine(const std::string& line) {
  if (!line.empty() && line.front() == '{') {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.contains("event") && parsed["event"].is_string()) {
      if (!parsed.contains("timestamp")) parsed["timestamp"] = nullptr;
      return parsed;
    }
  }
  static const std::regex kTimed(
      R"(^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\]?\s?(.*)$)");
  std::smatch match;
  if (line.size() < 512 && std::regex_match(line, match, kTimed)) {
    auto time = ParseIsoTime(match[1].str());
    if (time) return {{"event", match[2].str()}, {"timestamp", FormatIsoTime(*time)}};
  }
  return {{"event", line}, {"timestamp", nullptr}};
}

// [offset, offset + kMaxPageBytes) of the try's log: from the file the
// executor writes when this host has it, else from the copy a worker on
// another host shipped to the store.
Result<std::string> ReadWindow(ServerContext& context, const metadb::TaskTryRef& ref,
                               uint64_t offset) {
  std::ifstream in(executor::TaskLogPath(context.options.home, ref.key, ref.try_number),
                   std::ios::binary);
  if (!in) {
    SLUICE_ASSIGN_OR_RETURN(std::string shipped, context.store.ReadTaskLog(ref));
    if (offset >= shipped.size()) return std::string();
    return shipped.substr(offset, kMaxPageBytes);
  }
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(kMaxPageBytes, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// The page from offset, ending at a line end unless the log is complete (a
// try still running may be half-way through a line) or one line fills the
// page; *next is where the next read starts.
std::string TrimPage(std::string bytes, uint64_t offset, bool complete, uint64_t* next) {
  size_t last_newline = bytes.rfind('\n');
  bool whole = complete && bytes.size() < kMaxPageBytes;
  if (!whole && last_newline != std::string::npos) {
    bytes.resize(last_newline + 1);
  } else if (!whole && bytes.size() < kMaxPageBytes) {
    bytes.clear();
  }
  *next = offset + bytes.size();
  return MaskSecrets(bytes);
}

std::optional<uint64_t> DecodeToken(const std::string& token) {
  auto text = Base64UrlDecode(token);
  if (!text) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(*text, nullptr, false);
  if (!value.is_object() || !value["log_pos"].is_number_unsigned()) return std::nullopt;
  return value["log_pos"].get<uint64_t>();
}

Reply GetLog(ServerContext& context, Call& call) {
  int try_number = 0;
  int map_index = -1;
  try {
    try_number = std::stoi(call.Path("try_number"));
    if (auto text = call.Query("map_index")) map_index = std::stoi(*text);
  } catch (const std::exception&) {
    return ValidationReply({"path", "try_number"}, "Input should be a valid integer",
                           "int_parsing");
  }
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  metadb::TaskInstanceKey key{dag->record.dag_id, call.Path("dag_run_id"), call.Path("task_id"),
                              map_index};
  auto ti = context.store.GetTaskInstance(key);
  if (!ti) {
    if (ti.error().code() != Code::kNotFound) return ErrorReply(ti.error());
    return DetailReply(404, "TaskInstance not found");
  }
  if (!IsSafeSegment(key.dag_id) || !IsSafeSegment(key.run_id) || !IsSafeSegment(key.task_id)) {
    return DetailReply(400, "this task instance's ids cannot name a log file");
  }
  if (try_number < 1 || try_number > std::max(ti->try_number, 1)) {
    return DetailReply(404, fmt::format("Task instance has no try {} (tries so far: {})",
                                        try_number, ti->try_number));
  }
  uint64_t offset = 0;
  if (auto token = call.Query("token")) {
    auto decoded = DecodeToken(*token);
    if (!decoded)
      return DetailReply(400, "Bad Signature. Please use only the tokens provided by the API.");
    offset = *decoded;
  }
  uint64_t next = offset;
  bool complete = try_number < ti->try_number || (ti->state != metadb::TaskState::kRunning &&
                                                  ti->state != metadb::TaskState::kQueued);
  auto window = ReadWindow(context, {key, try_number}, offset);
  if (!window) return ErrorReply(window.error());
  std::string text = TrimPage(std::move(*window), offset, complete, &next);
  std::string continuation = Base64UrlEncode(nlohmann::json{{"log_pos", next}}.dump());
  std::string accept = call.request.get_header_value("Accept");
  if (accept.find("text/plain") != std::string::npos &&
      accept.find("application/json") == std::string::npos) {
    Reply reply;
    reply.body = text;
    reply.content_type = "text/plain; charset=utf-8";
    return reply;
  }
  nlohmann::json content = nlohmann::json::array();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    content.push_back(StructuredLine(text.substr(start, end - start)));
    start = end + 1;
  }
  return JsonReply(200, {{"content", content}, {"continuation_token", continuation}});
}

}  // namespace

void AddLogRoutes(Router& router, ServerContext& context) {
  router.Add(
      {"GET",
       "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}",
       Access::kViewer,
       [&context](Call& call) { return GetLog(context, call); },
       {.summary = "Read the log of one try of a task instance",
        .tag = "TaskInstance",
        .response_schema = "TaskInstancesLogResponse",
        .query = {{"map_index", "integer", "default -1"},
                  {"token", "string", "continuation_token of the previous page"},
                  {"full_content", "boolean", "accepted; every page is complete lines"}}}});
}

}  // namespace sluice::server
