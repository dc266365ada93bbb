#include "core/template.h"

#include <cctype>
#include <optional>
#include <vector>

#include "core/schedule.h"

namespace sluice {
namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsIdentifier(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text.front()))) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// A long expression is cut in messages so one bad file cannot flood a log.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

std::string KnownNames() {
  std::string names;
  for (std::string_view name : kTemplateVariables) names += std::string(name) + ", ";
  return names + "params.NAME";
}

std::string JoinKeys(const std::map<std::string, std::string>& map) {
  if (map.empty()) return "none are declared";
  std::string keys;
  for (const auto& [key, value] : map) keys += (keys.empty() ? "" : ", ") + key;
  return "declared: " + keys;
}

const std::string* Variable(const TemplateContext& context, std::string_view name) {
  if (name == "ds") return &context.ds;
  if (name == "ds_nodash") return &context.ds_nodash;
  if (name == "logical_date") return &context.logical_date;
  if (name == "data_interval_start") return &context.data_interval_start;
  if (name == "data_interval_end") return &context.data_interval_end;
  if (name == "run_id") return &context.run_id;
  if (name == "dag_id") return &context.dag_id;
  return nullptr;
}

// Renders `text`, or when `context` is null only checks it against `params`.
Result<std::string> Expand(std::string_view text, const TemplateContext* context,
                           const std::map<std::string, std::string>& params) {
  static const TemplateContext kEmpty;
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    out.append(text.substr(pos, open - pos));
    if (open == std::string_view::npos) return out;
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Error::InvalidArgument("unterminated '{{{{' at character {}: add the closing '}}}}'",
                                    open + 1);
    }
    std::string_view whole = text.substr(open, close + 2 - open);
    std::string_view inner = Trim(text.substr(open + 2, close - open - 2));
    pos = close + 2;
    if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
        inner.back() == inner.front() &&
        inner.substr(1, inner.size() - 2).find(inner.front()) == std::string_view::npos) {
      out.append(inner.substr(1, inner.size() - 2));
      continue;
    }
    if (inner.starts_with("params.") && IsIdentifier(inner.substr(7))) {
      auto param = params.find(std::string(inner.substr(7)));
      if (param == params.end()) {
        return Error::InvalidArgument("unknown param '{}' in '{}' at character {} ({})",
                                      inner.substr(7), Excerpt(whole), open + 1, JoinKeys(params));
      }
      out.append(param->second);
      continue;
    }
    const std::string* value = Variable(context ? *context : kEmpty, inner);
    if (value == nullptr) {
      std::string_view what =
          IsIdentifier(inner) ? "unknown template variable" : "unsupported template expression";
      return Error::InvalidArgument("{} '{}' at character {}; known: {}", what, Excerpt(whole),
                                    open + 1, KnownNames());
    }
    out.append(*value);
  }
}

}  // namespace

TemplateContext MakeTemplateContext(std::string dag_id, std::string run_id,
                                    TimePoint interval_start, TimePoint interval_end,
                                    std::map<std::string, std::string> params) {
  TemplateContext context;
  context.ds = FormatDate(interval_start);
  for (char c : context.ds) {
    if (c != '-') context.ds_nodash.push_back(c);
  }
  context.logical_date = FormatIsoTime(interval_start);
  context.data_interval_start = context.logical_date;
  context.data_interval_end = FormatIsoTime(interval_end);
  context.run_id = std::move(run_id);
  context.dag_id = std::move(dag_id);
  context.params = std::move(params);
  return context;
}

Result<std::string> RenderTemplate(std::string_view text, const TemplateContext& context) {
  return Expand(text, &context, context.params);
}

Status CheckTemplate(std::string_view text,
                     const std::map<std::string, std::string>& declared_params) {
  SLUICE_TRY(Expand(text, nullptr, declared_params));
  return OkStatus();
}

}  // namespace sluice
