#include "source/paginate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::source {
namespace {

using ::testing::HasSubstr;

TEST(FindNextLink, ReadsLinkHeaders) {
  struct Case {
    const char* name;
    const char* header;
    std::optional<std::string> want;
  } cases[] = {
      {"json-server middle page",
       R"(<http://h:3000/photos?_page=1&_limit=10>; rel="first", <http://h:3000/photos?_page=1&_limit=10>; rel="prev", <http://h:3000/photos?_page=3&_limit=10>; rel="next", <http://h:3000/photos?_page=500&_limit=10>; rel="last")",
       "http://h:3000/photos?_page=3&_limit=10"},
      {"json-server last page",
       R"(<http://h/p?_page=1>; rel="first", <http://h/p?_page=4>; rel="prev", <http://h/p?_page=5>; rel="last")",
       std::nullopt},
      {"unquoted rel", "<https://api.github.com/r?page=2>; rel=next",
       "https://api.github.com/r?page=2"},
      {"several rel values", R"(</a?p=2>; rel="last next")", "/a?p=2"},
      {"upper case and extra params", R"(<x?p=2>; title="a, b"; REL="Next")", "x?p=2"},
      {"spaces inside brackets", R"(< /a?p=3 >; rel="next")", "/a?p=3"},
      {"nextish is not next", R"(</a?p=2>; rel="nextpage")", std::nullopt},
      {"empty", "", std::nullopt},
      {"garbage", "not a link header", std::nullopt},
      {"unclosed bracket", R"(<http://h/p?_page=2; rel="next")", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(FindNextLink(c.header), c.want);
  }
}

TEST(SetQueryParam, SetsOrReplaces) {
  struct Case {
    const char *url, *name, *value, *want;
  } cases[] = {
      {"http://h/users", "_page", "1", "http://h/users?_page=1"},
      {"http://h/users?", "_page", "1", "http://h/users?_page=1"},
      {"http://h/users?albumId=2", "_page", "1", "http://h/users?albumId=2&_page=1"},
      {"http://h/u?_page=1&_limit=5", "_page", "2", "http://h/u?_page=2&_limit=5"},
      {"http://h/u?_page=1&_page=9&x", "_page", "2", "http://h/u?_page=2&x"},
      {"http://h/u?_pages=1", "_page", "2", "http://h/u?_pages=1&_page=2"},
      {"http://h/u#top", "_page", "1", "http://h/u?_page=1#top"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(SetQueryParam(c.url, c.name, c.value), c.want);
  }
}

TEST(JoinUrl, OneSlashBetween) {
  EXPECT_EQ(JoinUrl("http://h:1", "/users"), "http://h:1/users");
  EXPECT_EQ(JoinUrl("http://h:1/", "/users"), "http://h:1/users");
  EXPECT_EQ(JoinUrl("http://h:1/api/", "users"), "http://h:1/api/users");
  EXPECT_EQ(JoinUrl("http://h:1/api", ""), "http://h:1/api");
}

TEST(ResolveLink, AgainstThePageUrl) {
  std::string page = "http://h:3000/api/photos?_page=1&_limit=10";
  EXPECT_EQ(*ResolveLink(page, "http://other/x"), "http://other/x");
  EXPECT_EQ(*ResolveLink(page, "/api/photos?_page=2"), "http://h:3000/api/photos?_page=2");
  EXPECT_EQ(*ResolveLink(page, "?_page=2"), "http://h:3000/api/photos?_page=2");
  EXPECT_EQ(*ResolveLink(page, "//h:3000/p"), "http://h:3000/p");
  EXPECT_EQ(ResolveLink(page, "photos?_page=2").error().code(), Code::kFailedPrecondition);
}

HttpResponse Page(std::map<std::string, std::string> headers) {
  HttpResponse response;
  response.status = 200;
  response.headers = std::move(headers);
  return response;
}

TEST(Paginator, DisabledIsOnePage) {
  Paginator paginator("http://h/users", PaginationSpec{}, 10);
  EXPECT_EQ(paginator.FirstUrl(), "http://h/users");
  EXPECT_EQ(*paginator.Next(Page({}), 10), std::nullopt);
}

TEST(Paginator, FollowsLinkNextWhileItIsThere) {
  Paginator paginator("http://h/photos", PaginationSpec{.enabled = true, .page_size = 2}, 10);
  EXPECT_EQ(paginator.FirstUrl(), "http://h/photos?_page=1&_limit=2");
  auto next = paginator.Next(Page({{"link", R"(</photos?_page=2&_limit=2>; rel="next")"}}), 2);
  EXPECT_EQ(*next, "http://h/photos?_page=2&_limit=2");
  // A Link header without next ends it, even on a full page.
  EXPECT_EQ(*paginator.Next(Page({{"link", R"(</photos?_page=1>; rel="first")"}}), 2),
            std::nullopt);
}

TEST(Paginator, WithoutLinkContinuesWhileFullAndBelowTotal) {
  PaginationSpec spec{.enabled = true, .page_size = 10};
  Paginator by_total("http://h/p", spec, 100);
  EXPECT_EQ(*by_total.Next(Page({{"x-total-count", "20"}}), 10), "http://h/p?_page=2&_limit=10");
  EXPECT_EQ(*by_total.Next(Page({{"x-total-count", "20"}}), 10), std::nullopt);

  Paginator by_size("http://h/p", spec, 100);
  EXPECT_EQ(*by_size.Next(Page({}), 10), "http://h/p?_page=2&_limit=10");
  EXPECT_EQ(*by_size.Next(Page({}), 4), std::nullopt);

  Paginator until_empty("http://h/p", spec, 100);
  EXPECT_EQ(*until_empty.Next(Page({}), 10), "http://h/p?_page=2&_limit=10");
  EXPECT_EQ(*until_empty.Next(Page({{"link", R"(</p?_page=3>; rel="next")"}}), 0), std::nullopt);

  Paginator capped_limit("http://h/p", spec, 100);  // the server sends 5 a page, not 10
  EXPECT_EQ(*capped_limit.Next(Page({{"x-total-count", "8"}}), 5), "http://h/p?_page=2&_limit=10");
  EXPECT_EQ(*capped_limit.Next(Page({{"x-total-count", "8"}}), 3), std::nullopt);

  Paginator bad_total("http://h/p", spec, 100);
  EXPECT_EQ(*bad_total.Next(Page({{"x-total-count", "many"}}), 10), "http://h/p?_page=2&_limit=10");
}

TEST(Paginator, RefusesALoop) {
  Paginator paginator("http://h/p", PaginationSpec{.enabled = true, .page_size = 1}, 100);
  std::string self = R"(<http://h/p?_page=1&_limit=1>; rel="next")";
  auto next = paginator.Next(Page({{"link", self}}), 1);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code(), Code::kFailedPrecondition);
  EXPECT_THAT(next.error().message(), HasSubstr("pagination loops"));
}

TEST(Paginator, StopsAtMaxPages) {
  Paginator paginator("http://h/p", PaginationSpec{.enabled = true, .page_size = 1}, 2);
  ASSERT_TRUE(paginator.Next(Page({}), 1));
  auto next = paginator.Next(Page({}), 1);
  ASSERT_FALSE(next);
  EXPECT_THAT(next.error().message(), HasSubstr("past 2 pages"));
}

TEST(Paginator, RefusesALinkToAnotherOrigin) {
  Paginator paginator("http://h:3000/p", PaginationSpec{.enabled = true, .page_size = 1}, 10);
  auto next = paginator.Next(Page({{"link", R"(<http://evil:3000/p?_page=2>; rel="next")"}}), 1);
  ASSERT_FALSE(next);
  EXPECT_THAT(next.error().message(), HasSubstr("another origin"));
  Paginator default_port("http://h/p", PaginationSpec{.enabled = true, .page_size = 1}, 10);
  EXPECT_TRUE(default_port.Next(Page({{"link", R"(<http://H:80/p?_page=2>; rel="next")"}}), 1));
}

}  // namespace
}  // namespace sluice::source
