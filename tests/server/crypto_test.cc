#include "server/crypto.h"

#include <gtest/gtest.h>

#include "server/jwt.h"

namespace sluice::server {
namespace {

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    SCOPED_TRACE(i);
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("ab+c").has_value());
  EXPECT_FALSE(Base64UrlDecode("a").has_value());
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(RandomToken, IsUrlSafeAndDiffers) {
  std::string a = RandomToken(32), b = RandomToken(32);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

class JwtTest : public ::testing::Test {
 protected:
  TimePoint now_ = TimePoint(std::chrono::seconds(1'700'000'000));
  nlohmann::json claims_ = {{"sub", "alice"}, {"exp", 1'700'000'060}, {"nbf", 1'700'000'000}};
};

TEST_F(JwtTest, VerifiesWhatItSigned) {
  std::string token = SignJwt(claims_, "key");
  auto verified = VerifyJwt(token, "key", now_);
  ASSERT_TRUE(verified.has_value()) << verified.error().ToString();
  EXPECT_EQ((*verified)["sub"], "alice");
}

TEST_F(JwtTest, RefusesExpiredTamperedForeignAndUnsigned) {
  std::string token = SignJwt(claims_, "key");
  EXPECT_EQ(VerifyJwt(token, "key", now_ + std::chrono::seconds(61)).error().code(),
            Code::kUnauthenticated);
  EXPECT_FALSE(VerifyJwt(token, "other key", now_).has_value());
  std::string tampered = token;
  size_t dot = tampered.find('.');
  std::string forged_claims = Base64UrlEncode(R"({"sub":"admin","exp":1800000000})");
  tampered = tampered.substr(0, dot + 1) + forged_claims + tampered.substr(tampered.rfind('.'));
  EXPECT_FALSE(VerifyJwt(tampered, "key", now_).has_value());
  std::string unsigned_token = Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                               Base64UrlEncode(claims_.dump()) + ".";
  EXPECT_FALSE(VerifyJwt(unsigned_token, "key", now_).has_value());
  for (const char* garbage : {"", "garbage", "a.b", "a.b.c.d", "...."}) {
    SCOPED_TRACE(garbage);
    EXPECT_FALSE(VerifyJwt(garbage, "key", now_).has_value());
  }
}

TEST_F(JwtTest, ErrorsNeverContainTheToken) {
  std::string token = SignJwt(claims_, "key");
  auto refused = VerifyJwt(token, "key", now_ + std::chrono::hours(1));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message().find(token), std::string::npos);
}

}  // namespace
}  // namespace sluice::server
