#include "core/url.h"

#include <cctype>
#include <charconv>

#include "core/mask.h"

namespace sluice {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::string PercentEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    }
  }
  return out;
}

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return Error::InvalidArgument("'{}' is not a URL: expected scheme://...",
                                  MaskUrlCredentials(text));
  }
  for (char c : text.substr(0, scheme_end)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return Error::InvalidArgument("'{}' is not a URL: bad scheme", MaskUrlCredentials(text));
    }
    url.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string_view rest = text.substr(scheme_end + 3);
  std::string_view query_text;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query_text = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (size_t hash = query_text.find('#'); hash != std::string_view::npos) {
    query_text = query_text.substr(0, hash);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) url.path = PercentDecode(rest.substr(slash));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
      url.user = PercentDecode(userinfo.substr(0, colon));
      url.password = PercentDecode(userinfo.substr(colon + 1));
      url.has_password = true;
    } else {
      url.user = PercentDecode(userinfo);
    }
  }
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Error::InvalidArgument("'{}': unterminated IPv6 address", url.ToString());
    }
    host = authority.substr(0, close + 1);
    authority = authority.substr(close + 1);
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon);
  } else {
    authority = {};
  }
  url.host = std::string(host);
  if (!authority.empty() && authority.front() == ':') {
    std::string_view port_text = authority.substr(1);
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return Error::InvalidArgument("{}: port '{}' is not a number from 1 to 65535",
                                    url.ToString(), port_text);
    }
    url.port = port;
  }
  while (!query_text.empty()) {
    size_t amp = query_text.find('&');
    std::string_view pair = query_text.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    if (!key.empty()) url.query[key] = value;
    if (amp == std::string_view::npos) break;
    query_text = query_text.substr(amp + 1);
  }
  return url;
}

std::string Url::QueryOr(const std::string& key, std::string fallback) const {
  auto it = query.find(key);
  return it == query.end() ? std::move(fallback) : it->second;
}

std::string Url::ToString() const {
  std::string out = ToStringWithPassword();
  return has_password ? MaskUrlCredentials(out) : out;
}

std::string Url::ToStringWithPassword() const {
  std::string out = scheme + "://";
  if (!user.empty() || has_password) {
    out += PercentEncode(user);
    if (has_password) out += ":" + PercentEncode(password);
    out += '@';
  }
  out += host;
  if (port) out += ":" + std::to_string(*port);
  out += PercentEncode(path, /*keep_slash=*/true);
  char separator = '?';
  for (const auto& [key, value] : query) {
    out += separator;
    out += PercentEncode(key) + "=" + PercentEncode(value);
    separator = '&';
  }
  return out;
}

}  // namespace sluice
