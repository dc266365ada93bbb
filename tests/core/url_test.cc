#include "core/url.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Url, Parses) {
  struct Case {
    const char* text;
    const char* scheme;
    const char* user;
    const char* password;
    bool has_password;
    const char* host;
    int port;  // 0: none
    const char* path;
    std::map<std::string, std::string> query;
  } cases[] = {
      {"postgresql://sluice:p%40ss@127.0.0.1:5432/meta?sslmode=disable",
       "postgresql",
       "sluice",
       "p@ss",
       true,
       "127.0.0.1",
       5432,
       "/meta",
       {{"sslmode", "disable"}}},
      {"s3://KEY:SECRET@127.0.0.1:7070?tls=false&region=us-east-1",
       "s3",
       "KEY",
       "SECRET",
       true,
       "127.0.0.1",
       7070,
       "",
       {{"region", "us-east-1"}, {"tls", "false"}}},
      {"file:///var/lib/sluice/lake", "file", "", "", false, "", 0, "/var/lib/sluice/lake", {}},
      {"sqlite:///tmp/meta%20data.db", "sqlite", "", "", false, "", 0, "/tmp/meta data.db", {}},
      {"HTTPS://jsonplaceholder.typicode.com",
       "https",
       "",
       "",
       false,
       "jsonplaceholder.typicode.com",
       0,
       "",
       {}},
      {"http://[::1]:8080/api/v2", "http", "", "", false, "[::1]", 8080, "/api/v2", {}},
      {"http://user@host/x", "http", "user", "", false, "host", 0, "/x", {}},
      {"http://user:@host", "http", "user", "", true, "host", 0, "", {}},
      {"http://h/p?flag&k=a%26b#frag",
       "http",
       "",
       "",
       false,
       "h",
       0,
       "/p",
       {{"flag", ""}, {"k", "a&b"}}},
      {"postgresql://u:p:q@h/db", "postgresql", "u", "p:q", true, "h", 0, "/db", {}},
      {"postgresql://u:p@x@h/db",
       "postgresql",
       "u:p@x" /* split at the first ':' */,
       "",
       false,
       "h",
       0,
       "/db",
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Url> url = Url::Parse(c.text);
    ASSERT_TRUE(url) << url.error().message();
    EXPECT_EQ(url->scheme, c.scheme);
    if (std::string_view(c.text) == "postgresql://u:p@x@h/db") {
      EXPECT_EQ(url->user, "u");
      EXPECT_EQ(url->password, "p@x");
      EXPECT_TRUE(url->has_password);
    } else {
      EXPECT_EQ(url->user, c.user);
      EXPECT_EQ(url->password, c.password);
      EXPECT_EQ(url->has_password, c.has_password);
    }
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port == 0 ? std::nullopt : std::optional<int>(c.port));
    EXPECT_EQ(url->path, c.path);
    EXPECT_EQ(url->query, c.query);
  }
}

TEST(Url, RejectsWhatIsNotAUrl) {
  struct Case {
    const char* text;
    const char* want_part;  // the message names the part that is wrong
  } cases[] = {
      {"", "'' is not a URL: expected scheme://..."},
      {"localhost:5432", "'localhost:5432' is not a URL: expected scheme://..."},
      {"://host", "'://host' is not a URL: expected scheme://..."},
      {"ht tp://host", "'ht tp://host' is not a URL: bad scheme"},
      {"http://host:0", "port '0' is not a number from 1 to 65535"},
      {"http://host:65536/x", "port '65536' is not a number from 1 to 65535"},
      {"http://host:abc", "port 'abc' is not a number from 1 to 65535"},
      {"http://host:", "port '' is not a number from 1 to 65535"},
      {"http://[::1/x", "unterminated IPv6 address"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Url> url = Url::Parse(c.text);
    ASSERT_FALSE(url);
    EXPECT_EQ(url.error().code(), Code::kInvalidArgument);
    EXPECT_NE(url.error().message().find(c.want_part), std::string::npos)
        << url.error().message();
  }
}

TEST(Url, ErrorsAndToStringNeverShowThePassword) {
  for (const char* text : {"postgresql://u:hunter2secret@h:99999/db",
                           "postgresql://u:hunter2secret@[::1/db", "p g://u:hunter2secret@h"}) {
    SCOPED_TRACE(text);
    Result<Url> url = Url::Parse(text);
    ASSERT_FALSE(url);
    EXPECT_EQ(url.error().message().find("hunter2secret"), std::string::npos)
        << url.error().message();
  }
  Result<Url> url = Url::Parse("postgresql://u:hunter2secret@h:5432/db?sslmode=require");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->ToString(), "postgresql://u:***@h:5432/db?sslmode=require");
  EXPECT_EQ(Url::Parse("file:///a/b")->ToString(), "file:///a/b");
}

TEST(Url, QueryOr) {
  Result<Url> url = Url::Parse("s3://h?tls=false");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->QueryOr("tls", "true"), "false");
  EXPECT_EQ(url->QueryOr("region", "us-east-1"), "us-east-1");
}

TEST(Url, PercentEncoding) {
  struct Case {
    const char* plain;
    bool keep_slash;
    const char* encoded;
  } cases[] = {
      {"abcXYZ019-_.~", false, "abcXYZ019-_.~"},
      {"a b", false, "a%20b"},
      {"a/b", false, "a%2Fb"},
      {"a/b", true, "a/b"},
      {"p@ss:w0rd", false, "p%40ss%3Aw0rd"},
      {"ü", false, "%C3%BC"},
      {"", false, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.plain);
    EXPECT_EQ(PercentEncode(c.plain, c.keep_slash), c.encoded);
    EXPECT_EQ(PercentDecode(c.encoded), c.plain);
  }
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("%41%4a"), "AJ");
}

}  // namespace
}  // namespace sluice
