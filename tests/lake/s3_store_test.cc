// What only the S3 store promises, against a versitygw of the test's own:
// clear errors for bad credentials, missing buckets and dead endpoints; no
// partial object when the server dies mid-upload; sizes checked on download.
#include <gtest/gtest.h>
#include <zlib.h>

#include <thread>

#include "lake/fault_proxy.h"
#include "lake/s3_client.h"
#include "lake/sigv4.h"
#include "lake/store_fixture.h"
#include "lake/versity_server.h"

namespace sluice::lake::testing {
namespace {

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (VersityServer::BinaryPath().empty()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") FAIL() << "versitygw is not installed";
      GTEST_SKIP() << "versitygw is not installed (scripts/bootstrap)";
    }
    std::string error = server_.Start();
    ASSERT_EQ(error, "");
    store_ = Open(server_.Url());
    ASSERT_NE(store_, nullptr);
  }

  static std::unique_ptr<ObjectStore> Open(const std::string& url,
                                           const LakeOptions& options = TestOptions()) {
    auto store = OpenObjectStore(url, options);
    EXPECT_TRUE(store) << store.error().ToString();
    return store ? std::move(store).value() : nullptr;
  }

  // The error is one line, names no secret, and carries a hint.
  void ExpectCleanError(const Error& error, const std::vector<std::string>& secrets) {
    std::string text = error.ToString();
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    for (const std::string& secret : secrets)
      EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }

  static void ExpectMultipartCrc32(const std::string& url, ObjectStore& store);

  VersityServer server_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(S3StoreTest, WrongSecretSaysSoWithoutPrintingIt) {
  const std::string wrong = "WRONGwrongWRONGwrongWRONGwrongWRONGwrong";
  auto store = Open(server_.UrlWith(server_.access_key(), wrong));
  for (Status status :
       {PutString(*store, "raw/a.json", "{}"), Status(store->Open("raw/a.json").error())}) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code(), Code::kUnauthenticated) << status.error().ToString();
    EXPECT_NE(status.error().message().find("SignatureDoesNotMatch"), std::string::npos);
    EXPECT_NE(status.error().message().find("wrong secret key or clock skew"), std::string::npos);
    EXPECT_NE(status.error().message().find(fmt::format("127.0.0.1:{}", server_.port())),
              std::string::npos);
    ExpectCleanError(status.error(), {wrong, server_.secret_key(), server_.access_key()});
  }
}

TEST_F(S3StoreTest, UnknownAccessKeySaysSo) {
  auto store = Open(server_.UrlWith("NOSUCHKEY0123456789", server_.secret_key()));
  for (Status status :
       {PutString(*store, "raw/a.json", "{}"), Status(store->Open("raw/a.json").error()),
        Status(store->List("raw/").error())}) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code(), Code::kUnauthenticated) << status.error().ToString();
    EXPECT_NE(status.error().message().find("the server does not know this access key"),
              std::string::npos);
    EXPECT_NE(status.error().hint().find("access key"), std::string::npos);
    ExpectCleanError(status.error(), {"NOSUCHKEY0123456789", server_.secret_key()});
  }
}

TEST_F(S3StoreTest, ReadFromAMissingBucketNamesTheBucket) {
  auto reader = store_->Open("no-such-bucket/a.json");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), Code::kNotFound);
  EXPECT_NE(reader.error().message().find("bucket 'no-such-bucket' does not exist"),
            std::string::npos)
      << reader.error().ToString();
  EXPECT_EQ(store_->Head("no-such-bucket/a.json").error().code(), Code::kNotFound);
  EXPECT_TRUE(store_->List("no-such-bucket/").value().empty());
  EXPECT_TRUE(store_->Delete("no-such-bucket/a.json"));
  ExpectCleanError(reader.error(), {server_.secret_key()});
}

TEST_F(S3StoreTest, UnreachableEndpointIsUnavailableAndRetryable) {
  auto store = Open(fmt::format("s3://AKIA1234:SECRET5678@127.0.0.1:{}?tls=false", FreePort()));
  for (Status status :
       {PutString(*store, "raw/a.json", "{}"), Status(store->Open("raw/a.json").error()),
        Status(store->List("raw/").error())}) {
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code(), Code::kUnavailable) << status.error().ToString();
    EXPECT_TRUE(status.error().retryable());
    EXPECT_NE(status.error().message().find("unreachable"), std::string::npos);
    EXPECT_NE(status.error().message().find("attempt 3 of 3"), std::string::npos);
    EXPECT_FALSE(status.error().hint().empty());
    ExpectCleanError(status.error(), {"SECRET5678"});
  }
}

TEST_F(S3StoreTest, CredentialsComeFromOptionsWhenTheUrlHasNone) {
  const std::string url = fmt::format("s3://127.0.0.1:{}?tls=false", server_.port());
  LakeOptions options = TestOptions();
  auto missing = OpenObjectStore(url, options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kUnauthenticated);
  EXPECT_NE(missing.error().hint().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  options.access_key = server_.access_key();
  options.secret_key = server_.secret_key();
  auto store = Open(url, options);
  ASSERT_TRUE(PutString(*store, "raw/from-options", "ok"));
  EXPECT_EQ(GetString(*store_, "raw/from-options").value(), "ok");
  EXPECT_EQ(store->Describe(), fmt::format("s3://127.0.0.1:{}", server_.port()));
}

TEST_F(S3StoreTest, VirtualHostStyleAddressesTheBucketInTheHostName) {
  VersityServer server;
  ASSERT_EQ(server.Start("localhost"), "");  // curl resolves *.localhost to the loopback
  auto store = Open(fmt::format("s3://{}:{}@localhost:{}?tls=false&style=virtual",
                                server.access_key(), server.secret_key(), server.port()));
  ASSERT_TRUE(PutString(*store, "raw/a b/c+d.json", "{}"));
  EXPECT_EQ(GetString(*store, "raw/a b/c+d.json").value(), "{}");
  EXPECT_EQ(store->List("raw/a").value().size(), 1u);
  EXPECT_TRUE(store->Delete("raw/a b/c+d.json"));
  EXPECT_TRUE(store->List("raw/").value().empty());
}

TEST_F(S3StoreTest, BadUrlsAreRejectedBeforeAnyRequest) {
  for (const char* url : {"s3://a:b@h:1?tls=maybe", "s3://a:b@h:1?style=sideways",
                          "s3://a:b@h:1?regoin=us-east-1", "s3://a:b@/path"}) {
    SCOPED_TRACE(url);
    auto store = OpenObjectStore(url);
    ASSERT_FALSE(store);
    EXPECT_EQ(store.error().code(), Code::kInvalidArgument);
  }
}

// Lists multipart uploads still open in a bucket (none should survive a writer).
std::vector<std::string> OpenUploads(const std::string& url, const std::string& bucket) {
  auto config = ParseS3Url(Url::Parse(url).value(), TestOptions());
  S3Client client(std::move(config).value());
  S3Request request{"GET", bucket, "", {{"uploads", ""}}, {}, {}};
  auto response = client.Send(request, "ListMultipartUploads");
  EXPECT_TRUE(response) << response.error().ToString();
  std::vector<std::string> keys;
  for (size_t at = 0; response && (at = response->body.find("<Key>", at)) != std::string::npos;) {
    size_t end = response->body.find("</Key>", at);
    keys.push_back(response->body.substr(at + 5, end - at - 5));
    at = end;
  }
  return keys;
}

// The CRC-32 the server stored for an object (HEAD with x-amz-checksum-mode).
std::string StoredCrc32(const std::string& url, const std::string& bucket, const std::string& key) {
  auto config = ParseS3Url(Url::Parse(url).value(), TestOptions());
  S3Client client(std::move(config).value());
  S3Request request{"HEAD", bucket, key, {}, {{"x-amz-checksum-mode", "ENABLED"}}, {}};
  auto response = client.Send(request, "HeadObject");
  EXPECT_TRUE(response) << response.error().ToString();
  return response ? response->Header("x-amz-checksum-crc32") : "";
}

TEST_F(S3StoreTest, AFinishedWritersBufferIsKeptForTheNextUpToAMebibyte) {
  S3Client client(ParseS3Url(Url::Parse(server_.Url()).value(), TestOptions()).value());
  std::string page(200 << 10, 'x');
  const char* memory = page.data();
  client.GiveBuffer(std::move(page));
  std::string reused = client.TakeBuffer();
  EXPECT_TRUE(reused.empty());
  EXPECT_EQ(reused.data(), memory);  // the same allocation, not a fresh one
  EXPECT_GE(reused.capacity(), size_t{200} << 10);
  client.GiveBuffer(std::string(size_t{2} << 20, 'x'));  // an mmap'ed block: freed, not kept
  EXPECT_LT(client.TakeBuffer().capacity(), size_t{1} << 20);
  for (int i = 0; i < 20; ++i) client.GiveBuffer(std::string(4096, 'x'));
  int kept = 0;
  while (client.TakeBuffer().capacity() >= 4096) ++kept;
  EXPECT_EQ(kept, 4);
  // Writers through a store hand their buffers on and still write what they were given.
  for (int i = 0; i < 3; ++i) {
    std::string key = fmt::format("reuse/{}", i);
    std::string body(static_cast<size_t>(1000 * (3 - i)), static_cast<char>('a' + i));
    ASSERT_TRUE(PutString(*store_, "raw/" + key, body));
    EXPECT_EQ(GetString(*store_, "raw/" + key).value(), body);
  }
}

TEST_F(S3StoreTest, MultipartUploadsUnderWayShareThePartsInFlight) {
  LakeOptions options = TestOptions();
  options.max_parts_in_flight = 4;
  S3Client client(ParseS3Url(Url::Parse(server_.Url()).value(), options).value());
  EXPECT_EQ(client.PartsInFlightPerUpload(), 4);
  client.StartMultipart();
  EXPECT_EQ(client.PartsInFlightPerUpload(), 4);
  client.StartMultipart();
  EXPECT_EQ(client.PartsInFlightPerUpload(), 2);
  client.StartMultipart();
  EXPECT_EQ(client.PartsInFlightPerUpload(), 1);
  client.StartMultipart();
  client.StartMultipart();
  EXPECT_EQ(client.PartsInFlightPerUpload(), 1);  // one at least
  for (int i = 0; i < 4; ++i) client.EndMultipart();
  EXPECT_EQ(client.PartsInFlightPerUpload(), 4);
}

TEST_F(S3StoreTest, ThePayloadIsSignedOnlyOffThisMachineWithoutTls) {
  struct Case {
    const char* url;
    bool signed_payload;
  } cases[] = {
      {"s3://a:b@127.0.0.1:1?tls=false", false},
      {"s3://a:b@127.8.9.10:1?tls=false", false},
      {"s3://a:b@localhost:1?tls=false", false},
      {"s3://a:b@10.0.0.5:9000?tls=false", true},
      {"s3://a:b@127.example.com:1?tls=false", true},
      {"s3://a:b@s3.eu-west-1.amazonaws.com?region=eu-west-1", false},
      {"s3://a:b@127.0.0.1:1?tls=false&payload=signed", true},
      {"s3://a:b@s3.eu-west-1.amazonaws.com?payload=signed", true},
      {"s3://a:b@10.0.0.5:9000?tls=false&payload=unsigned", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.url);
    auto config = ParseS3Url(Url::Parse(c.url).value(), TestOptions());
    ASSERT_TRUE(config) << config.error().ToString();
    EXPECT_EQ(config->sign_payload, c.signed_payload);
  }
  auto bad = ParseS3Url(Url::Parse("s3://a:b@h:1?payload=maybe").value(), TestOptions());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("payload must be auto, signed or unsigned"),
            std::string::npos);
}

TEST_F(S3StoreTest, EveryUploadCarriesACrc32TheServerChecksAndKeeps) {
  // On 127.0.0.1 the payload goes unsigned; `payload=signed` adds its SHA-256.
  for (const char* payload : {"", "&payload=signed"}) {
    SCOPED_TRACE(payload);
    std::string url = server_.Url() + payload;
    auto store = Open(url);
    ASSERT_NE(store, nullptr);
    const std::string small = PatternBytes(1000);
    ASSERT_TRUE(PutString(*store, "raw/small.bin", small));
    EXPECT_EQ(StoredCrc32(url, "raw", "small.bin"), sigv4::Crc32Base64(small));
    EXPECT_EQ(GetString(*store, "raw/small.bin").value(), small);
    ExpectMultipartCrc32(url, *store);
  }
}

void S3StoreTest::ExpectMultipartCrc32(const std::string& url, ObjectStore& store) {
  // A multipart object's checksum is the CRC-32 of its parts' CRC-32s, "-<parts>".
  const std::string big = PatternBytes((10u << 20) + 7);
  ASSERT_TRUE(PutString(store, "raw/big.bin", big));
  std::string part_crcs;
  for (size_t at = 0; at < big.size(); at += 5u << 20) {
    std::string_view part = std::string_view(big).substr(at, 5u << 20);
    const auto crc =
        static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(part.data()), part.size()));
    for (int shift = 24; shift >= 0; shift -= 8)
      part_crcs.push_back(static_cast<char>(crc >> shift));
  }
  EXPECT_EQ(StoredCrc32(url, "raw", "big.bin"), sigv4::Crc32Base64(part_crcs) + "-3");
  EXPECT_EQ(GetString(store, "raw/big.bin").value(), big);
}

TEST_F(S3StoreTest, TheCallersSha256SignsTheObjectAndAWrongOneFailsTheCommit) {
  store_ = Open(server_.Url() + "&payload=signed");
  ASSERT_NE(store_, nullptr);
  const std::string body = R"([{"id": 1}])";
  auto writer = store_->Create("raw/hashed.json");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Write(body));
  Status committed = (*writer)->CommitWithSha256(sigv4::Sha256Hex(body));
  ASSERT_TRUE(committed) << committed.error().ToString();
  EXPECT_EQ(GetString(*store_, "raw/hashed.json").value(), body);

  auto wrong = store_->Create("raw/wrong.json");
  ASSERT_TRUE(wrong);
  ASSERT_TRUE((*wrong)->Write(body));
  committed = (*wrong)->CommitWithSha256(sigv4::Sha256Hex("other bytes"));
  ASSERT_FALSE(committed);
  ExpectCleanError(committed.error(), {});
  EXPECT_EQ(store_->Head("raw/wrong.json").error().code(), Code::kNotFound);
}

TEST_F(S3StoreTest, AbandonedMultipartUploadIsAborted) {
  {
    auto writer = store_->Create("raw/abandoned.bin");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Write(PatternBytes(11u << 20)));  // two parts sent, one buffered
  }
  EXPECT_TRUE(store_->List("raw/").value().empty());
  EXPECT_EQ(OpenUploads(server_.Url(), "raw"), std::vector<std::string>{});
}

TEST_F(S3StoreTest, ServerKilledMidUploadLeavesNoObjectAndARetrySucceeds) {
  const std::string object = PatternBytes((16u << 20) + 3);
  auto writer = store_->Create("raw/big.bin");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Write(std::string_view(object).substr(0, 11u << 20)));
  server_.Kill();
  Status status = (*writer)->Write(std::string_view(object).substr(11u << 20));
  if (status) status = (*writer)->Commit();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Code::kUnavailable) << status.error().ToString();
  ExpectCleanError(status.error(), {server_.secret_key()});
  writer->reset();

  ASSERT_EQ(server_.Restart(), "");
  EXPECT_TRUE(store_->List("raw/").value().empty());
  EXPECT_EQ(store_->Head("raw/big.bin").error().code(), Code::kNotFound);

  auto retry = store_->Create("raw/big.bin");
  ASSERT_TRUE(retry);
  for (size_t offset = 0; offset < object.size(); offset += 1u << 20) {
    ASSERT_TRUE((*retry)->Write(std::string_view(object).substr(offset, 1u << 20)));
  }
  Status committed = (*retry)->Commit();
  ASSERT_TRUE(committed) << committed.error().ToString();
  auto got = GetString(*store_, "raw/big.bin");
  ASSERT_TRUE(got) << got.error().ToString();
  EXPECT_TRUE(*got == object);
}

TEST_F(S3StoreTest, BodyCutShortIsDataLoss) {
  const std::string object = PatternBytes(200000);
  ASSERT_TRUE(PutString(*store_, "raw/cut.bin", object));
  FaultProxy proxy(server_.port(), FaultProxy::CutAfter(100000));
  auto store = Open(fmt::format("s3://{}:{}@127.0.0.1:{}?tls=false", server_.access_key(),
                                server_.secret_key(), proxy.port()));
  auto reader = store->Open("raw/cut.bin");
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ((*reader)->size(), object.size());
  std::string got;
  char buffer[8192];
  Status status;
  while (true) {
    auto n = (*reader)->Read(buffer, sizeof buffer);
    if (!n) {
      status = n.error();
      break;
    }
    if (*n == 0) break;
    got.append(buffer, *n);
  }
  ASSERT_FALSE(status) << "read " << got.size() << " bytes without an error";
  EXPECT_EQ(status.error().code(), Code::kDataLoss) << status.error().ToString();
  EXPECT_NE(status.error().message().find("of 200000 bytes"), std::string::npos)
      << status.error().ToString();
  EXPECT_LT(got.size(), object.size());
  EXPECT_TRUE(object.starts_with(got));
}

// 503 SlowDown and 500 are retried; the third attempt gets through.
TEST_F(S3StoreTest, RetriesSlowDownAndServerErrors) {
  ASSERT_TRUE(PutString(*store_, "raw/r.json", "{}"));
  for (const char* code : {"SlowDown", "InternalError"}) {
    SCOPED_TRACE(code);
    const int status = code == std::string("SlowDown") ? 503 : 500;
    FaultProxy proxy(server_.port(),
                     FaultProxy::AnswerFirst(2, FaultProxy::ErrorAnswer(status, code)));
    auto store = Open(fmt::format("s3://{}:{}@127.0.0.1:{}?tls=false", server_.access_key(),
                                  server_.secret_key(), proxy.port()));
    auto info = store->Head("raw/r.json");
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_EQ(info->size, 2u);
    EXPECT_EQ(proxy.connections(), 3);
  }
}

TEST_F(S3StoreTest, GivesUpAfterMaxAttemptsWithTheServersWords) {
  FaultProxy proxy(server_.port(),
                   FaultProxy::AnswerFirst(100, FaultProxy::ErrorAnswer(503, "SlowDown")));
  auto store = Open(fmt::format("s3://{}:{}@127.0.0.1:{}?tls=false", server_.access_key(),
                                server_.secret_key(), proxy.port()));
  auto reader = store->Open("raw/r.json");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code(), Code::kUnavailable);
  EXPECT_NE(reader.error().message().find("attempt 3 of 3"), std::string::npos);
  EXPECT_NE(reader.error().message().find("HTTP 503 SlowDown: injected by the test"),
            std::string::npos)
      << reader.error().ToString();
  EXPECT_EQ(proxy.connections(), 3);
}

TEST_F(S3StoreTest, DoesNotRetryAClientError) {
  FaultProxy proxy(server_.port(),
                   FaultProxy::AnswerFirst(100, FaultProxy::ErrorAnswer(400, "InvalidRequest")));
  auto store = Open(fmt::format("s3://{}:{}@127.0.0.1:{}?tls=false", server_.access_key(),
                                server_.secret_key(), proxy.port()));
  auto listed = store->List("raw/");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code(), Code::kInvalidArgument) << listed.error().ToString();
  EXPECT_FALSE(listed.error().retryable());
  EXPECT_EQ(proxy.connections(), 1);
}

}  // namespace
}  // namespace sluice::lake::testing
