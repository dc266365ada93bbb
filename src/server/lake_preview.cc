// Lake objects for people: a preview (the first bytes, with CSV rows or JSON
// records parsed from them) and a streamed download.
#include "server/lake_browser.h"

namespace sluice::server {
namespace {

constexpr uint64_t kDefaultPreviewBytes = 64 * 1024;
constexpr uint64_t kMaxPreviewBytes = 1 << 20;
constexpr size_t kDefaultPreviewRows = 50;
constexpr size_t kMaxPreviewRows = 1000;
constexpr size_t kDownloadChunk = 64 * 1024;

// One CSV line (RFC 4180 quoting) into fields.
std::vector<std::string> CsvFields(std::string_view line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

// Complete records (lines) of CSV text; a quoted field may span lines.
std::vector<std::string_view> CsvRecords(std::string_view text, bool truncated) {
  std::vector<std::string_view> records;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '"') quoted = !quoted;
    if (text[i] == '\n' && !quoted) {
      records.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (!truncated && start < text.size()) records.push_back(text.substr(start));
  return records;
}

// The complete top-level elements of a JSON array, even when the text stops
// part-way through it.
std::vector<nlohmann::json> ArrayElements(std::string_view text, size_t limit) {
  std::vector<nlohmann::json> elements;
  size_t open = text.find_first_not_of(" \t\r\n");
  if (open == std::string_view::npos || text[open] != '[') return elements;
  int depth = 0;
  bool in_string = false;
  size_t start = open + 1;
  for (size_t i = open; i < text.size() && elements.size() < limit; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{')
      ++depth;
    else if ((c == ']' || c == '}') && --depth == 0) {
      std::string_view element = text.substr(start, i - start);
      nlohmann::json value = nlohmann::json::parse(element, nullptr, false);
      if (!value.is_discarded()) elements.push_back(std::move(value));
      break;
    } else if (c == ',' && depth == 1) {
      nlohmann::json value = nlohmann::json::parse(text.substr(start, i - start), nullptr, false);
      if (!value.is_discarded()) elements.push_back(std::move(value));
      start = i + 1;
    }
  }
  return elements;
}

std::optional<uint64_t> NumberQuery(const Call& call, const char* name, uint64_t fallback,
                                    uint64_t maximum, Reply* invalid) {
  auto text = call.Query(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    unsigned long long value = std::stoull(*text, &used);
    if (used == text->size() && value > 0) return std::min<uint64_t>(value, maximum);
  } catch (const std::exception&) {
  }
  *invalid = ValidationReply({"query", name}, "Input should be a positive integer", "int_parsing");
  return std::nullopt;
}

void AddParsed(std::string_view kind, const std::string& text, bool truncated, size_t rows,
               nlohmann::json* body) {
  if (kind == "csv") {
    std::vector<std::string_view> records = CsvRecords(text, truncated);
    if (records.empty()) return;
    (*body)["columns"] = CsvFields(records[0]);
    nlohmann::json parsed = nlohmann::json::array();
    for (size_t i = 1; i < records.size() && parsed.size() < rows; ++i) {
      parsed.push_back(CsvFields(records[i]));
    }
    (*body)["rows"] = parsed;
  } else if (kind == "jsonl") {
    nlohmann::json parsed = nlohmann::json::array();
    for (std::string_view line : CsvRecords(text, truncated)) {
      if (parsed.size() >= rows) break;
      nlohmann::json value = nlohmann::json::parse(line, nullptr, false);
      if (!value.is_discarded()) parsed.push_back(std::move(value));
    }
    (*body)["records"] = parsed;
  } else if (kind != "other") {
    std::vector<nlohmann::json> elements = ArrayElements(text, rows);
    if (!elements.empty()) {
      (*body)["records"] = elements;
    } else if (!truncated) {
      nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
      if (!document.is_discarded()) (*body)["document"] = std::move(document);
    }
  }
}

}  // namespace

Reply Preview(ServerContext& context, Call& call) {
  std::string key;
  if (auto invalid = RequireLakeKey(call, &key)) return *invalid;
  Reply invalid;
  auto bytes = NumberQuery(call, "bytes", kDefaultPreviewBytes, kMaxPreviewBytes, &invalid);
  if (!bytes) return invalid;
  auto rows = NumberQuery(call, "rows", kDefaultPreviewRows, kMaxPreviewRows, &invalid);
  if (!rows) return invalid;
  lake::ObjectStore* store = nullptr;
  if (auto failed = OpenLakeForCall(context, call, &store)) return *failed;
  auto info = store->Head(key);
  if (!info) return ErrorReply(info.error());
  auto text = ReadObjectHead(*store, key, *bytes);
  if (!text) return ErrorReply(text.error());
  std::string masked = MaskSecrets(*text);
  bool truncated = info->size > text->size();
  std::string_view kind = LakeKind(key);
  nlohmann::json body = {
      {"key", key},         {"size", info->size}, {"kind", kind},    {"truncated", truncated},
      {"text", masked},     {"columns", nullptr}, {"rows", nullptr}, {"records", nullptr},
      {"document", nullptr}};
  AddParsed(kind, masked, truncated, *rows, &body);
  return JsonReply(200, body);
}

Reply Download(ServerContext& context, Call& call) {
  std::string key;
  if (auto invalid = RequireLakeKey(call, &key)) return *invalid;
  lake::ObjectStore* store = nullptr;
  if (auto failed = OpenLakeForCall(context, call, &store)) return *failed;
  auto info = store->Head(key);
  if (!info) return ErrorReply(info.error());
  struct State {
    std::unique_ptr<lake::ObjectReader> reader;
    size_t position = 0;
  };
  auto state = std::make_shared<State>();
  Reply reply;
  reply.content_type = LakeContentType(key);
  std::string name = key.substr(key.rfind('/') + 1);
  std::erase_if(name, [](char c) { return c == '"' || c == '\\' || c < 0x20; });
  reply.headers.emplace_back("Content-Disposition",
                             fmt::format("attachment; filename=\"{}\"", name));
  reply.stream_size = info->size;
  reply.stream = [store, key, state](size_t offset, size_t length, httplib::DataSink& sink) {
    if (!state->reader || state->position != offset) {
      auto reader = store->OpenRange(key, offset, length);
      if (!reader) return false;
      state->reader = std::move(*reader);
      state->position = offset;
    }
    std::string buffer(std::min(length, kDownloadChunk), '\0');
    auto got = state->reader->Read(buffer.data(), buffer.size());
    if (!got || *got == 0) return false;
    state->position += *got;
    return sink.write(buffer.data(), *got);
  };
  return reply;
}

}  // namespace sluice::server
