// AppendSnakeCase must follow core's ToSnakeCase exactly: the pipeline file
// names columns with core's rule, the reader renames keys with this one.
#include <gtest/gtest.h>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

TEST(AppendSnakeCase, FollowsTheNamingRule) {
  const struct {
    const char* name;
    const char* want;
  } cases[] = {
      {"userId", "user_id"},
      {"thumbnailUrl", "thumbnail_url"},
      {"catchPhrase", "catch_phrase"},
      {"id", "id"},
      {"user_id", "user_id"},
      {"user_Id", "user_id"},
      {"ID", "id"},
      {"userID", "user_id"},
      {"HTTPServer2Id", "http_server2_id"},
      {"XMLHttpRequest", "xml_http_request"},
      {"getHTTPResponseCode", "get_http_response_code"},
      {"address2", "address2"},
      {"line2Text", "line2_text"},
      {"utf8Encoding", "utf8_encoding"},
      {"Name", "name"},
      {"first name", "first_name"},
      {"e-mail", "e_mail"},
      {"a.b", "a_b"},
      {"_id", "_id"},
      {"pr\xc3\xa9nom", "pr\xc3\xa9nom"},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out = "prefix_";
    AppendSnakeCase(out, c.name);
    EXPECT_EQ(out, std::string("prefix_") + c.want);
    EXPECT_EQ(sluice::ToSnakeCase(c.name), c.want);
  }
}

TEST(AppendSnakeCase, AgreesWithCoreOnEveryShortName) {
  // Every string of up to four characters over letters of each case, a
  // digit, '_', '.', ' ' and a UTF-8 byte.
  const std::string alphabet = "aZ0_. \xc3";
  std::vector<std::string> names = {""};
  for (int length = 1; length <= 4; ++length) {
    std::vector<std::string> longer;
    for (const std::string& name : names) {
      if (static_cast<int>(name.size()) != length - 1) continue;
      for (char c : alphabet) longer.push_back(name + c);
    }
    names.insert(names.end(), longer.begin(), longer.end());
  }
  for (const std::string& name : names) {
    std::string out;
    AppendSnakeCase(out, name);
    ASSERT_EQ(out, sluice::ToSnakeCase(name)) << "name: " << name;
  }
}

TEST(FlattenedFieldName, CoreFlattensAsTheReaderDoes) {
  EXPECT_EQ(sluice::FlattenedFieldName("address.geo.lat"), "address_geo_lat");
  EXPECT_EQ(sluice::FlattenedFieldName("company.catchPhrase"), "company_catch_phrase");
  std::string out = "company";
  out.push_back('_');
  AppendSnakeCase(out, "catchPhrase");
  EXPECT_EQ(out, sluice::FlattenedFieldName("company.catchPhrase"));
}

}  // namespace
}  // namespace sluice::transform
