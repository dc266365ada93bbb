#include <gtest/gtest.h>

#include "core/pipeline.h"

namespace sluice {
namespace {

TEST(FieldName, ToSnakeCase) {
  struct Case {
    const char* name;
    const char* want;
  } cases[] = {
      {"id", "id"},
      {"userId", "user_id"},
      {"catchPhrase", "catch_phrase"},
      {"thumbnailUrl", "thumbnail_url"},
      {"already_snake", "already_snake"},
      {"PascalCase", "pascal_case"},
      {"HTTPStatus", "http_status"},
      {"getHTTPResponseCode", "get_http_response_code"},
      {"ID", "id"},
      {"postID", "post_id"},
      {"address2Line", "address2_line"},
      {"utf8String", "utf8_string"},
      {"first-name", "first_name"},
      {"first name", "first_name"},
      {"snake_Case", "snake_case"},
      {"_private", "_private"},
      {"Ünïcode", "Ünïcode"},  // non-ASCII bytes are kept
      {"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ToSnakeCase(c.name), c.want);
  }
}

TEST(FieldName, FlattenedFieldName) {
  struct Case {
    const char* path;
    const char* want;
  } cases[] = {
      {"company.catchPhrase", "company_catch_phrase"},
      {"address.geo.lat", "address_geo_lat"},
      {"address_geo_lat", "address_geo_lat"},
      {"userId", "user_id"},
      {"a.b.c.dE", "a_b_c_d_e"},
      {"company_catch_phrase", "company_catch_phrase"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    EXPECT_EQ(FlattenedFieldName(c.path), c.want);
  }
}

}  // namespace
}  // namespace sluice
