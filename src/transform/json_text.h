// JSON text helpers private to transform: escaping, number syntax, and
// minified re-serialisation of an On-Demand value (which also validates it:
// On-Demand checks only what is read).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

namespace sluice::transform {

// Appends s as a JSON string literal, quotes included; sets has_nul when s holds U+0000.
void AppendJsonString(std::string& out, std::string_view s, bool& has_nul);
inline void AppendJsonString(std::string& out, std::string_view s) {
  bool has_nul = false;
  AppendJsonString(out, s, has_nul);
}

// RFC 8259 number syntax: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view text);
// True when the number has neither a fraction nor an exponent.
bool IsJsonInteger(std::string_view text);

// raw_json_token() may carry the whitespace that follows a scalar.
std::string_view TrimJsonWhitespace(std::string_view text);

// A short, one-line rendering of a value for an error message.
std::string DescribeForError(std::string_view kind, std::string_view text, bool quote);

namespace ondemand = simdjson::ondemand;

inline constexpr int kMaxJsonDepth = 1024;

// The token of a scalar as written (trailing whitespace included).
inline simdjson::error_code RawToken(ondemand::value& value, std::string_view& token) {
  token = value.raw_json_token();
  return simdjson::SUCCESS;
}
inline simdjson::error_code RawToken(ondemand::document& doc, std::string_view& token) {
  return doc.raw_json_token().get(token);
}

// True when the document has bytes left after its root value was consumed
// (simdjson 3.0's document has no at_end()).
inline bool HasTrailingContent(ondemand::document& doc) {
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::SUCCESS;
}

// Appends the minified JSON text of value (an ondemand::value or document).
// Returns a simdjson error for malformed JSON or nesting past kMaxJsonDepth.
template <typename V>
simdjson::error_code AppendJsonValue(V& value, std::string& out, bool& has_nul, int depth = 0) {
  if (depth > kMaxJsonDepth) return simdjson::DEPTH_ERROR;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto error = value.get_object().get(object)) return error;
      out.push_back('{');
      bool first = true;
      for (auto field : object) {
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, key, has_nul);
        out.push_back(':');
        ondemand::value child;
        if (auto error = field.value().get(child)) return error;
        if (auto error = AppendJsonValue(child, out, has_nul, depth + 1)) return error;
      }
      out.push_back('}');
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (auto error = value.get_array().get(array)) return error;
      out.push_back('[');
      bool first = true;
      for (auto element : array) {
        ondemand::value child;
        if (auto error = element.get(child)) return error;
        if (!first) out.push_back(',');
        first = false;
        if (auto error = AppendJsonValue(child, out, has_nul, depth + 1)) return error;
      }
      out.push_back(']');
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view s;
      if (auto error = value.get_string().get(s)) return error;
      AppendJsonString(out, s, has_nul);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      std::string_view token;
      if (auto error = RawToken(value, token)) return error;
      token = TrimJsonWhitespace(token);
      if (!IsJsonNumber(token)) return simdjson::NUMBER_ERROR;
      out.append(token);
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean: {
      bool b = false;
      if (auto error = value.get_bool().get(b)) return error;
      out.append(b ? "true" : "false");
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      out.append("null");
      return simdjson::SUCCESS;
    }
  }
  return simdjson::TAPE_ERROR;
}

}  // namespace sluice::transform
