// SigV4 against AWS's published vectors: the "Signature Version 4 test suite"
// (service "service", 2015-08-30) and the worked examples of the S3 API
// reference ("Signature Calculations for the Authorization Header").
#include "lake/sigv4.h"

#include <gtest/gtest.h>

namespace sluice::lake::sigv4 {
namespace {

struct Vector {
  const char* name;
  const char* method;
  const char* uri;  // as sent: already encoded
  Pairs query;
  Pairs headers;
  std::string body;
  const char* signed_headers;
  const char* signature;
};

const Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};

Pairs SuiteHeaders(Pairs extra = {}) {
  Pairs headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  return headers;
}

TEST(SigV4, MatchesTheAwsTestSuite) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const std::vector<Vector> vectors = {
      {"get-vanilla",
       "GET",
       "/",
       {},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/",
       {{"Param2", "value2"}, {"Param1", "value1"}},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/",
       {{unreserved, unreserved}},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET",
       "/",
       {{"\xe1\x88\xb4", "bar"}},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET",
       "/%E1%88%B4",
       {},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {},
       SuiteHeaders({{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
       "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-trim",
       "GET",
       "/",
       {},
       SuiteHeaders({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
       "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-vanilla",
       "POST",
       "/",
       {},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query",
       "POST",
       "/",
       {{"Param1", "value1"}},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-vanilla-query-nonunreserved",
       "POST",
       "/",
       {{"@#$%^", ""}, {"+", "/,?><`\";:\\|][{}"}},
       SuiteHeaders(),
       "",
       "host;x-amz-date",
       "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
      {"post-header-key-sort",
       "POST",
       "/",
       {},
       SuiteHeaders({{"My-Header1", "value1"}}),
       "",
       "host;my-header1;x-amz-date",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST",
       "/",
       {},
       SuiteHeaders({{"My-Header1", "VALUE1"}}),
       "",
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-sts-header-before",
       "POST",
       "/",
       {},
       SuiteHeaders({{"X-Amz-Security-Token",
                      "AQoDYXdzEPT//////////"
                      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoI"
                      "YRqTflfKD8YUuwthAx7mSEI/qkPpKPi/"
                      "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFv"
                      "lRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+"
                      "scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}}),
       "",
       "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {},
       SuiteHeaders({{"Content-Type", "application/x-www-form-urlencoded"}}),
       "Param1=value1",
       "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
  };
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.name);
    Request request{v.method, v.uri, v.query, v.headers, Sha256Hex(v.body)};
    EXPECT_EQ(SignedHeaders(request), v.signed_headers);
    EXPECT_EQ(Signature(request, kSuiteCredentials, "us-east-1", "service", "20150830T123600Z"),
              v.signature);
  }
}

TEST(SigV4, MatchesTheS3DocumentationExamples) {
  const Credentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
  const std::string empty(kEmptyPayloadHash);
  auto headers = [](const std::string& payload_hash, Pairs extra = {}) {
    Pairs all = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"x-amz-date", "20130524T000000Z"},
                 {"x-amz-content-sha256", payload_hash}};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  };
  const std::string put_hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(put_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const std::vector<Vector> vectors = {
      {"GET Object",
       "GET",
       "/test.txt",
       {},
       headers(empty, {{"Range", "bytes=0-9"}}),
       "",
       "host;range;x-amz-content-sha256;x-amz-date",
       "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
      {"PUT Object",
       "PUT",
       "/test%24file.text",
       {},
       headers(put_hash, {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                          {"x-amz-storage-class", "REDUCED_REDUNDANCY"}}),
       "Welcome to Amazon S3.",
       "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
       "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"GET Bucket Lifecycle",
       "GET",
       "/",
       {{"lifecycle", ""}},
       headers(empty),
       "",
       "host;x-amz-content-sha256;x-amz-date",
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"GET Bucket (List Objects)",
       "GET",
       "/",
       {{"prefix", "J"}, {"max-keys", "2"}},
       headers(empty),
       "",
       "host;x-amz-content-sha256;x-amz-date",
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.name);
    Request request{v.method, v.uri, v.query, v.headers, Sha256Hex(v.body)};
    EXPECT_EQ(Signature(request, credentials, "us-east-1", "s3", "20130524T000000Z"), v.signature);
    EXPECT_EQ(Authorization(request, credentials, "us-east-1", "s3", "20130524T000000Z"),
              fmt::format("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                          "aws4_request, SignedHeaders={}, Signature={}",
                          v.signed_headers, v.signature));
  }
}

TEST(SigV4, CanonicalRequestOfTheS3GetExample) {
  Request request{"GET",
                  "/test.txt",
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"Range", "bytes=0-9"},
                   {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
                   {"x-amz-date", "20130524T000000Z"}},
                  std::string(kEmptyPayloadHash)};
  EXPECT_EQ(
      CanonicalRequest(request),
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(AmzDate(TimePoint(std::chrono::seconds(1440938160))), "20150830T123600Z");
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Crc32Base64(""), "AAAAAA==");
  EXPECT_EQ(Crc32Base64("Hello World"), "ShexVg==");
  EXPECT_EQ(CanonicalQuery({{"b", "x y"}, {"a", "1/2"}, {"a", "0"}}), "a=0&a=1%2F2&b=x%20y");
}

}  // namespace
}  // namespace sluice::lake::sigv4
