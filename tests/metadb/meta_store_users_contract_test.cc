// The MetaStore contract, part 4: the web server's users, sessions and failed
// logins. Instantiated for both backends in meta_store_contract_test.cc.
#include "metadb/contract_fixture.h"

namespace sluice::metadb::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

UserRecord User(const std::string& name, const std::string& role = "Viewer") {
  return UserRecord{.username = name, .role = role, .password_hash = "$argon2id$v=19$" + name};
}

TEST_P(MetaStoreContract, UsersAreCreatedListedUpdatedAndDeleted) {
  ASSERT_OK(store_->CreateUser(User("bob")));
  ASSERT_OK(store_->CreateUser(User("alice", "Admin")));
  EXPECT_EQ(store_->CreateUser(User("bob")).error().code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->CreateUser(User("")).error().code(), Code::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(std::vector<UserRecord> users, store_->ListUsers());
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].username, "alice");
  EXPECT_EQ(users[0].role, "Admin");
  EXPECT_TRUE(users[0].is_active);
  EXPECT_EQ(users[0].created_at, kStart);

  clock_.Advance(minutes(1));
  UserRecord bob = User("bob", "Op");
  ASSERT_OK(store_->UpdateUser(bob));
  ASSERT_OK_AND_ASSIGN(UserRecord stored, store_->GetUser("bob"));
  EXPECT_EQ(stored.role, "Op");
  EXPECT_EQ(stored.updated_at, kStart + minutes(1));
  EXPECT_EQ(store_->UpdateUser(User("carol")).error().code(), Code::kNotFound);
  ASSERT_OK(store_->DeleteUser("bob"));
  EXPECT_EQ(store_->GetUser("bob").error().code(), Code::kNotFound);
  EXPECT_EQ(store_->DeleteUser("bob").error().code(), Code::kNotFound);
}

TEST_P(MetaStoreContract, SessionsExpireAndEndWithAPasswordChange) {
  ASSERT_OK(store_->CreateUser(User("alice")));
  SessionRecord session{.id_hash = "hash-1",
                        .username = "alice",
                        .csrf_token = "csrf-1",
                        .expires_at = kStart + hours(1)};
  ASSERT_OK(store_->CreateSession(session));
  EXPECT_EQ(store_->CreateSession(session).error().code(), Code::kAlreadyExists);
  session.username = "nobody";
  session.id_hash = "hash-2";
  EXPECT_EQ(store_->CreateSession(session).error().code(), Code::kNotFound);
  ASSERT_OK_AND_ASSIGN(SessionRecord got, store_->GetSession("hash-1"));
  EXPECT_EQ(got.username, "alice");
  EXPECT_EQ(got.csrf_token, "csrf-1");
  EXPECT_EQ(got.expires_at, kStart + hours(1));

  clock_.Advance(hours(1));
  EXPECT_EQ(store_->GetSession("hash-1").error().code(), Code::kNotFound);

  ASSERT_OK(store_->CreateSession({.id_hash = "hash-3",
                                   .username = "alice",
                                   .csrf_token = "c",
                                   .expires_at = clock_.Now() + hours(1)}));
  UserRecord changed = User("alice");
  changed.password_hash = "$argon2id$v=19$new";
  ASSERT_OK(store_->UpdateUser(changed));
  EXPECT_EQ(store_->GetSession("hash-3").error().code(), Code::kNotFound);
  ASSERT_OK(store_->DeleteSession("hash-3"));  // absent: fine
}

TEST_P(MetaStoreContract, LoginFailuresAreCountedPerKeySinceATime) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store_->RecordLoginFailure("user:alice"));
    clock_.Advance(minutes(1));
  }
  ASSERT_OK(store_->RecordLoginFailure("addr:127.0.0.1"));
  ASSERT_OK_AND_ASSIGN(int count, store_->CountLoginFailures("user:alice", kStart));
  EXPECT_EQ(count, 3);
  ASSERT_OK_AND_ASSIGN(count, store_->CountLoginFailures("user:alice", kStart + minutes(1)));
  EXPECT_EQ(count, 2);
  ASSERT_OK(store_->ClearLoginFailures("user:alice"));
  ASSERT_OK_AND_ASSIGN(count, store_->CountLoginFailures("user:alice", kStart));
  EXPECT_EQ(count, 0);
  ASSERT_OK_AND_ASSIGN(count, store_->CountLoginFailures("addr:127.0.0.1", kStart));
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace sluice::metadb::testing
