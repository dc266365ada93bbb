#include "server/password.h"

#include <gtest/gtest.h>

namespace sluice::server {
namespace {

TEST(Password, HashesWithArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse battery");
  ASSERT_TRUE(hash.has_value()) << hash.error().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("correct horse battery", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery!", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(Password, SaltsEveryHash) {
  EXPECT_NE(HashPassword("same password").value(), HashPassword("same password").value());
}

TEST(Password, RefusesShortAndOverlongPasswords) {
  auto refused = HashPassword("tiny1");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(refused.error().message().find("tiny1"), std::string::npos);  // says why, not what
  EXPECT_EQ(HashPassword(std::string(2000, 'x')).error().code(), Code::kInvalidArgument);
}

TEST(Password, MalformedHashNeverVerifies) {
  for (const char* hash : {"", "plain", "$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA", "$2b$12$abc"}) {
    SCOPED_TRACE(hash);
    EXPECT_FALSE(VerifyPassword("whatever password", hash));
  }
}

}  // namespace
}  // namespace sluice::server
