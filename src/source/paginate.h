// Pagination as json-server and jsonplaceholder answer it: `_page=N&_limit=M`
// in the query, a `Link` header (RFC 8288) naming the next page, and
// `X-Total-Count` with the number of records in the whole collection.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/core.h"
#include "source/source.h"

namespace sluice::source {

// "http://h:1/api" + "/users" -> "http://h:1/api/users" (one '/' between them).
std::string JoinUrl(std::string_view base_url, std::string_view path);
// Sets (or replaces) one query parameter: name and value are sent as given.
std::string SetQueryParam(std::string_view url, std::string_view name, std::string_view value);
// The target of the link whose rel includes "next", as written; nullopt when none.
std::optional<std::string> FindNextLink(std::string_view link_header);
// Resolves a link target against the URL of the page that carried it: an
// absolute URL, an absolute path ("/users?_page=2") or a query ("?_page=2").
Result<std::string> ResolveLink(std::string_view page_url, std::string_view target);

class Paginator {
 public:
  // resource_url: base URL and path joined. Without pagination, one page.
  Paginator(std::string resource_url, const PaginationSpec& spec, int max_pages);

  std::string FirstUrl() const;
  // After a page arrived with page_records records: the next URL, or nullopt
  // when the resource is complete. An empty page ends it. A Link header, when
  // present, decides: its rel="next" target, else the end. Without one, the
  // next _page follows while X-Total-Count is not reached, or, with no total,
  // while pages are full. kFailedPrecondition when the server loops
  // (a next URL already fetched), pages past max_pages, or a link to another origin.
  Result<std::optional<std::string>> Next(const HttpResponse& page, uint64_t page_records);

  // The URL of page `page` (1-based) of page-numbered pagination.
  std::string PageUrl(int page) const;
  // The highest page number worth requesting before the pages in between
  // arrive: 0 before the first page and without pagination; from the first
  // page's X-Total-Count when the server sent one, else max_pages. Next()
  // still decides which pages belong to the resource.
  int LastLikelyPage() const;

 private:
  Result<std::string> CheckNext(std::string next_url);

  std::string resource_url_;
  PaginationSpec spec_;
  int max_pages_;
  int pages_ = 0;
  uint64_t records_ = 0;
  std::optional<uint64_t> total_;
  std::string current_url_;
  std::set<std::string> fetched_;
};

}  // namespace sluice::source
