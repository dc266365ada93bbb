#include "core/mask.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace sluice {
namespace {

TEST(Mask, UrlCredentials) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"postgresql://u:p@h/db", "postgresql://u:***@h/db"},
      {"no url here", "no url here"},
      {"", ""},
      {"connect s3://KEY:SECRET@host:7070 and http://x:y@z failed",
       "connect s3://KEY:***@host:7070 and http://x:***@z failed"},
      {"http://user@host/path", "http://user@host/path"},
      {"http://host:8080/path", "http://host:8080/path"},
      {"'postgresql://u:pw@h'", "'postgresql://u:***@h'"},
      {"url=postgresql://u:p%40ss@h:5432/db?x=1", "url=postgresql://u:***@h:5432/db?x=1"},
      {"://u:p@h", "://u:p@h"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(MaskUrlCredentials(c.text), c.want);
    EXPECT_EQ(MaskSecrets(c.text), c.want);
  }
}

TEST(Mask, RegisteredSecrets) {
  RegisterSecret("abc");  // too short to mask
  EXPECT_EQ(MaskSecrets("abc abc"), "abc abc");
  RegisterSecret("tok-3f9a1c");
  RegisterSecret("tok-3f9a1c-extended");
  EXPECT_EQ(MaskSecrets("Authorization: Bearer tok-3f9a1c"), "Authorization: Bearer ***");
  EXPECT_EQ(MaskSecrets("tok-3f9a1c-extended and tok-3f9a1c"), "*** and ***");
  RegisterSecret("tok-3f9a1c");  // twice is fine
  EXPECT_EQ(MaskSecrets("xtok-3f9a1cx"), "x***x");
}

TEST(Mask, ErrorsMaskTheirMessageContextAndHint) {
  RegisterSecret("sk-live-77aa88bb");
  Error error = Error::Unavailable("GET https://u:pw123@api/x with key sk-live-77aa88bb: 503")
                    .Hint("check postgresql://a:dbpass@h/db");
  error.AddContext("token sk-live-77aa88bb");
  EXPECT_EQ(error.message(), "token ***: GET https://u:***@api/x with key ***: 503");
  EXPECT_EQ(error.hint(), "check postgresql://a:***@h/db");
  EXPECT_TRUE(error.retryable());
  EXPECT_EQ(error.ToString(),
            "token ***: GET https://u:***@api/x with key ***: 503 (hint: check "
            "postgresql://a:***@h/db)");
}

TEST(Mask, ErrorsAreOneLine) {
  Error error = Error::Internal("COPY failed:\nERROR: bad row\r\nCONTEXT: line 3\n");
  EXPECT_EQ(error.message(), "COPY failed: ERROR: bad row  CONTEXT: line 3");
  EXPECT_EQ(error.code(), Code::kInternal);
  EXPECT_EQ(CodeName(error.code()), "INTERNAL");
}

}  // namespace
}  // namespace sluice
