#include "source/paginate.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::source {
namespace {

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// rel="next", rel=next or rel="prev next": true when "next" is among the values.
bool HasRelNext(std::string_view params) {
  size_t pos = 0;
  while (pos < params.size()) {
    size_t end = params.find(';', pos);
    if (end == std::string_view::npos) end = params.size();
    std::string_view param = TrimSpaces(params.substr(pos, end - pos));
    pos = end + 1;
    size_t equals = param.find('=');
    if (equals == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(TrimSpaces(param.substr(0, equals)), "rel")) continue;
    std::string_view value = TrimSpaces(param.substr(equals + 1));
    if (!value.empty() && value.front() == '"') {
      value = value.substr(1, value.find('"', 1) - 1);
    } else {
      value = value.substr(0, value.find_first_of(", "));  // the ',' before the next link
    }
    size_t start = 0;
    while (start <= value.size()) {
      size_t space = value.find(' ', start);
      if (space == std::string_view::npos) space = value.size();
      if (EqualsIgnoreCase(value.substr(start, space - start), "next")) return true;
      start = space + 1;
    }
  }
  return false;
}

// "scheme://authority" of an absolute URL, or empty.
std::string_view Origin(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  size_t path = url.find_first_of("/?#", scheme_end + 3);
  return url.substr(0, path == std::string_view::npos ? url.size() : path);
}

std::string NormalizedOrigin(std::string_view url) {
  auto parsed = Url::Parse(url);
  if (!parsed) return std::string(Origin(url));
  int port = parsed->port.value_or(parsed->scheme == "https" ? 443 : 80);
  std::string host = parsed->host;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return fmt::format("{}://{}:{}", parsed->scheme, host, port);
}

std::optional<uint64_t> ParseCount(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::string_view digits = TrimSpaces(*text);
  uint64_t count = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return count;
}

}  // namespace

std::string JoinUrl(std::string_view base_url, std::string_view path) {
  while (!base_url.empty() && base_url.back() == '/') base_url.remove_suffix(1);
  if (path.empty()) return std::string(base_url);
  if (path.front() == '/') return fmt::format("{}{}", base_url, path);
  return fmt::format("{}/{}", base_url, path);
}

std::string SetQueryParam(std::string_view url, std::string_view name, std::string_view value) {
  std::string_view fragment;
  if (size_t hash = url.find('#'); hash != std::string_view::npos) {
    fragment = url.substr(hash);
    url = url.substr(0, hash);
  }
  size_t question = url.find('?');
  std::string_view query = question == std::string_view::npos ? "" : url.substr(question + 1);
  std::string out(url.substr(0, question));
  char separator = '?';
  bool is_set = false;
  auto append = [&](std::string_view pair) {
    out += separator;
    out += pair;
    separator = '&';
  };
  size_t pos = 0;
  while (pos < query.size()) {
    size_t end = std::min(query.find('&', pos), query.size());
    std::string_view pair = query.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    if (pair.substr(0, pair.find('=')) != name) {
      append(pair);
    } else if (!is_set) {  // replaced in place; later copies are dropped
      append(fmt::format("{}={}", name, value));
      is_set = true;
    }
  }
  if (!is_set) append(fmt::format("{}={}", name, value));
  return out + std::string(fragment);
}

std::optional<std::string> FindNextLink(std::string_view link_header) {
  size_t pos = 0;
  while (pos < link_header.size()) {
    size_t open = link_header.find('<', pos);
    if (open == std::string_view::npos) return std::nullopt;
    size_t close = link_header.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    size_t next_entry = link_header.find('<', close);  // a ',' may sit inside a quoted param
    size_t params_end = next_entry == std::string_view::npos ? link_header.size() : next_entry;
    if (HasRelNext(link_header.substr(close + 1, params_end - close - 1))) {
      return std::string(TrimSpaces(link_header.substr(open + 1, close - open - 1)));
    }
    pos = params_end;
  }
  return std::nullopt;
}

Result<std::string> ResolveLink(std::string_view page_url, std::string_view target) {
  if (target.find("://") != std::string_view::npos) return std::string(target);
  if (target.rfind("//", 0) == 0) {
    return fmt::format("{}:{}", page_url.substr(0, page_url.find("://")), target);
  }
  if (!target.empty() && target.front() == '/') {
    return fmt::format("{}{}", Origin(page_url), target);
  }
  if (!target.empty() && target.front() == '?') {
    return fmt::format("{}{}", page_url.substr(0, page_url.find_first_of("?#")), target);
  }
  return Error::FailedPrecondition("Link header of {}: cannot resolve next link '{}'", page_url,
                                   target);
}

Paginator::Paginator(std::string resource_url, const PaginationSpec& spec, int max_pages)
    : resource_url_(std::move(resource_url)), spec_(spec), max_pages_(max_pages) {
  current_url_ = FirstUrl();
}

std::string Paginator::PageUrl(int page) const {
  std::string url = SetQueryParam(resource_url_, "_page", std::to_string(page));
  return SetQueryParam(url, "_limit", std::to_string(spec_.page_size));
}

std::string Paginator::FirstUrl() const { return spec_.enabled ? PageUrl(1) : resource_url_; }

int Paginator::LastLikelyPage() const {
  if (!spec_.enabled || pages_ == 0) return 0;
  if (!total_) return max_pages_;
  auto page_size = static_cast<uint64_t>(std::max(1, spec_.page_size));
  uint64_t pages = (*total_ + page_size - 1) / page_size;
  return static_cast<int>(std::min<uint64_t>(pages, static_cast<uint64_t>(max_pages_)));
}

Result<std::optional<std::string>> Paginator::Next(const HttpResponse& page,
                                                   uint64_t page_records) {
  ++pages_;
  records_ += page_records;
  fetched_.insert(current_url_);
  if (!spec_.enabled || page_records == 0) return std::nullopt;
  if (auto total = ParseCount(page.Header("x-total-count"))) total_ = total;
  std::optional<std::string> next;
  if (auto link = page.Header("link")) {
    // A Link header is authoritative: without rel="next" this is the last page.
    std::optional<std::string> target = FindNextLink(*link);
    if (!target) return std::nullopt;
    SLUICE_ASSIGN_OR_RETURN(std::string resolved, ResolveLink(current_url_, *target));
    next = std::move(resolved);
  } else {
    std::optional<uint64_t> total = ParseCount(page.Header("x-total-count"));
    // With a total, a short page does not end it: a server may cap _limit
    // below page_size. Without one, only a full page says more may follow.
    bool has_more =
        total ? records_ < *total : page_records >= static_cast<uint64_t>(spec_.page_size);
    if (!has_more) return std::nullopt;
    next = PageUrl(pages_ + 1);
  }
  SLUICE_ASSIGN_OR_RETURN(std::string checked, CheckNext(std::move(*next)));
  current_url_ = checked;
  return std::optional<std::string>(std::move(checked));
}

Result<std::string> Paginator::CheckNext(std::string next_url) {
  if (fetched_.count(next_url) != 0) {
    return Error::FailedPrecondition(
               "pagination loops: the next page of {} is {}, which was already fetched",
               current_url_, next_url)
        .Hint("the server's Link header repeats a page; disable pagination for this resource");
  }
  if (pages_ >= max_pages_) {
    return Error::FailedPrecondition("pagination of {} goes past {} pages", resource_url_,
                                     max_pages_)
        .Hint("raise paginate.page_size for this resource, or check the server's paging");
  }
  // Source headers (tokens) must not travel to a host the connection does not name.
  if (NormalizedOrigin(next_url) != NormalizedOrigin(resource_url_)) {
    return Error::FailedPrecondition("next page link of {} points to another origin: {}",
                                     current_url_, next_url)
        .Hint("set the source connection URL to the origin the server announces");
  }
  return next_url;
}

}  // namespace sluice::source
