// The ObjectStore contract (lake.h), run unchanged against every backend.
#include <gtest/gtest.h>

#include <thread>

#include "lake/store_fixture.h"

namespace sluice::lake::testing {
namespace {

std::vector<std::string> Keys(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const ObjectInfo& object : objects) keys.push_back(object.key);
  return keys;
}

std::string ReadAll(ObjectReader& reader, size_t chunk = 4096) {
  std::string out;
  std::string buffer(chunk, '\0');
  while (true) {
    auto n = reader.Read(buffer.data(), buffer.size());
    EXPECT_TRUE(n) << n.error().ToString();
    if (!n || *n == 0) break;
    out.append(buffer.data(), *n);
  }
  return out;
}

using ObjectStoreContract = StoreTest;

TEST_P(ObjectStoreContract, RoundTripsEmptyAndOneByteObjects) {
  for (std::string bytes : {std::string(), std::string("x"), std::string(1, '\0')}) {
    SCOPED_TRACE(bytes.size());
    std::string key = Key(fmt::format("small-{}", static_cast<int>(bytes.empty() ? -1 : bytes[0])));
    ASSERT_TRUE(PutString(*store_, key, bytes));
    auto got = GetString(*store_, key);
    ASSERT_TRUE(got) << got.error().ToString();
    EXPECT_EQ(*got, bytes);
    auto info = store_->Head(key);
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_EQ(info->size, bytes.size());
    EXPECT_EQ(info->key, key);
  }
}

TEST_P(ObjectStoreContract, StreamsMultiMegabyteObjectInChunks) {
  // 12 MiB + 7 bytes in uneven chunks: crosses the 5 MiB test part size twice.
  const std::string bytes = PatternBytes((12u << 20) + 7);
  std::string key = Key("big.bin");
  auto writer = store_->Create(key);
  ASSERT_TRUE(writer) << writer.error().ToString();
  for (size_t offset = 0; offset < bytes.size();) {
    size_t n = std::min<size_t>(bytes.size() - offset, 100'003);
    ASSERT_TRUE((*writer)->Write(std::string_view(bytes).substr(offset, n)));
    offset += n;
  }
  EXPECT_EQ((*writer)->bytes_written(), bytes.size());
  auto committed = (*writer)->Commit();
  ASSERT_TRUE(committed) << committed.error().ToString();
  auto reader = store_->Open(key);
  ASSERT_TRUE(reader) << reader.error().ToString();
  EXPECT_EQ((*reader)->size(), bytes.size());
  std::string got = ReadAll(**reader, 65536 + 3);
  ASSERT_EQ(got.size(), bytes.size());
  EXPECT_TRUE(got == bytes);
  auto info = store_->Head(key);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, bytes.size());
}

TEST_P(ObjectStoreContract, OverwriteReplacesTheObject) {
  std::string key = Key("over");
  ASSERT_TRUE(PutString(*store_, key, "first version, longer"));
  ASSERT_TRUE(PutString(*store_, key, "second"));
  EXPECT_EQ(GetString(*store_, key).value(), "second");
  EXPECT_EQ(store_->Head(key)->size, 6u);
  auto listed = store_->List(prefix_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(Keys(*listed), std::vector<std::string>{key});
}

TEST_P(ObjectStoreContract, AbsentObjectIsNotFound) {
  EXPECT_EQ(store_->Open(Key("nope")).error().code(), Code::kNotFound);
  EXPECT_EQ(store_->OpenRange(Key("nope"), 0, 5).error().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head(Key("nope")).error().code(), Code::kNotFound);
  EXPECT_EQ(store_->Head(Key("nope")).error().message().find('\n'), std::string::npos);
}

TEST_P(ObjectStoreContract, ListsByPrefixSortedWithSizes) {
  const std::vector<std::string> names = {"b/2.json", "a/1.json",         "a-x", "a/0.json",
                                          "ab",       "a/sub/deep/z.csv", "c"};
  for (const std::string& name : names) ASSERT_TRUE(PutString(*store_, Key(name), name));
  auto all = store_->List(prefix_);
  ASSERT_TRUE(all) << all.error().ToString();
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{Key("a-x"), Key("a/0.json"), Key("a/1.json"),
                                                  Key("a/sub/deep/z.csv"), Key("ab"),
                                                  Key("b/2.json"), Key("c")}));
  for (const ObjectInfo& object : *all) {
    EXPECT_EQ(object.size, object.key.size() - prefix_.size()) << object.key;
    EXPECT_GT(object.modified.time_since_epoch().count(), 0) << object.key;
  }
  EXPECT_EQ(Keys(store_->List(Key("a/")).value()),
            (std::vector<std::string>{Key("a/0.json"), Key("a/1.json"), Key("a/sub/deep/z.csv")}));
  EXPECT_EQ(Keys(store_->List(Key("a")).value()),
            (std::vector<std::string>{Key("a-x"), Key("a/0.json"), Key("a/1.json"),
                                      Key("a/sub/deep/z.csv"), Key("ab")}));
  EXPECT_EQ(Keys(store_->List(Key("a/sub/de")).value()),
            (std::vector<std::string>{Key("a/sub/deep/z.csv")}));
  EXPECT_TRUE(store_->List(Key("zzz/")).value().empty());
  EXPECT_TRUE(store_->List("sluice-never-written-" + RandomSuffix() + "/").value().empty());
}

TEST_P(ObjectStoreContract, ListsTheFoldersOneLevelDown) {
  const std::vector<std::string> names = {"run=b/part.json", "run=a/_manifest.json", "run=a/p.json",
                                          "run=a/deep/x",    "run=a b+c/1",          "top.json",
                                          "run=ä/1"};
  for (const std::string& name : names) ASSERT_TRUE(PutString(*store_, Key(name), name));
  auto folders = store_->ListFolders(prefix_);
  ASSERT_TRUE(folders) << folders.error().ToString();
  EXPECT_EQ(*folders, (std::vector<std::string>{Key("run=a b+c/"), Key("run=a/"), Key("run=b/"),
                                                Key("run=ä/")}));
  EXPECT_EQ(store_->ListFolders(Key("run=a/")).value(),
            (std::vector<std::string>{Key("run=a/deep/")}));
  EXPECT_EQ(store_->ListFolders(Key("run=")).value(), *folders);
  EXPECT_TRUE(store_->ListFolders(Key("run=b/")).value().empty());
  EXPECT_TRUE(store_->ListFolders("sluice-never-written-" + RandomSuffix() + "/").value().empty());
}

TEST_P(ObjectStoreContract, DeleteRemovesAndAbsentIsOk) {
  ASSERT_TRUE(PutString(*store_, Key("d/1"), "1"));
  ASSERT_TRUE(PutString(*store_, Key("d/2"), "2"));
  EXPECT_TRUE(store_->Delete(Key("d/1")));
  EXPECT_EQ(store_->Head(Key("d/1")).error().code(), Code::kNotFound);
  EXPECT_TRUE(store_->Delete(Key("d/1")));
  EXPECT_TRUE(store_->Delete(Key("never/was/here")));
  EXPECT_EQ(Keys(store_->List(prefix_).value()), std::vector<std::string>{Key("d/2")});
  auto deleted = DeletePrefix(*store_, prefix_);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(*deleted, 1u);
  EXPECT_TRUE(store_->List(prefix_).value().empty());
}

TEST_P(ObjectStoreContract, ObjectIsInvisibleUntilCommit) {
  std::string key = Key("pending");
  auto writer = store_->Create(key);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Write("hello"));
  EXPECT_EQ(store_->Head(key).error().code(), Code::kNotFound);
  EXPECT_TRUE(store_->List(prefix_).value().empty());
  ASSERT_TRUE((*writer)->Commit());
  EXPECT_EQ(GetString(*store_, key).value(), "hello");
  EXPECT_EQ((*writer)->Write("more").error().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*writer)->Commit().error().code(), Code::kFailedPrecondition);
}

TEST_P(ObjectStoreContract, WriterDestroyedWithoutCommitLeavesNothing) {
  ASSERT_TRUE(PutString(*store_, Key("kept"), "old"));
  for (size_t size : {size_t{10}, size_t{(11u << 20)}}) {  // one PUT; several parts
    SCOPED_TRACE(size);
    for (const char* name : {"abandoned", "kept"}) {
      auto writer = store_->Create(Key(name));
      ASSERT_TRUE(writer);
      ASSERT_TRUE((*writer)->Write(PatternBytes(size)));
    }  // destroyed here
  }
  EXPECT_EQ(Keys(store_->List(prefix_).value()), std::vector<std::string>{Key("kept")});
  EXPECT_EQ(GetString(*store_, Key("kept")).value(), "old");
  EXPECT_EQ(store_->Head(Key("abandoned")).error().code(), Code::kNotFound);
}

TEST_P(ObjectStoreContract, RejectsHostileKeys) {
  struct Case {
    const char* name;
    std::string key;
  };
  const std::string ok = bucket_ + "/";
  const std::vector<Case> cases = {
      {"empty", ""},
      {"bucket only", bucket_},
      {"dot dot", ok + "a/../../etc/passwd"},
      {"dot dot at end", ok + "a/.."},
      {"dot", ok + "./a"},
      {"absolute", "/etc/passwd"},
      {"absolute in bucket", "/" + ok + "a"},
      {"nul", ok + std::string("a\0b", 3)},
      {"newline", ok + "a\nb"},
      {"tab", ok + "a\tb"},
      {"escape", ok + "a\x1b[31m"},
      {"del", ok + "a\x7f"},
      {"empty segment", ok + "a//b"},
      {"trailing slash", ok + "a/"},
      {"too long", ok + std::string(1025 - ok.size() + 1, 'k')},
      {"bucket with upper case", "Raw/a"},
      {"bucket with underscore", "_runs/a"},
      {"bucket too short", "ab/c"},
      {"bucket dot dot", "../a"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ValidateKey(c.key).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(store_->Create(c.key).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(store_->Open(c.key).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(store_->Head(c.key).error().code(), Code::kInvalidArgument);
    EXPECT_EQ(store_->Delete(c.key).error().code(), Code::kInvalidArgument);
    auto error = store_->Create(c.key).error();
    EXPECT_EQ(error.message().find('\n'), std::string::npos) << error.message();
    EXPECT_EQ(error.message().find('\0'), std::string::npos);
  }
  EXPECT_TRUE(ValidateKey(ok + std::string(1024 - ok.size(), 'k')));
  for (const char* prefix : {"", "/abs/", "sluice-test/../", "x/", "sluice-test//a"}) {
    SCOPED_TRACE(prefix);
    EXPECT_EQ(store_->List(prefix).error().code(), Code::kInvalidArgument);
  }
  EXPECT_TRUE(store_->List(prefix_).value().empty());
}

TEST_P(ObjectStoreContract, UnusualButValidKeysRoundTrip) {
  const std::vector<std::string> names = {"with space.json",
                                          "unicode-é-日本-🚀",
                                          "plus+sign",
                                          "eq=ual",
                                          "per%20cent",
                                          "amp&er",
                                          "quest?ion",
                                          "hash#tag",
                                          "bang!",
                                          "quote\"d",
                                          "apo'strophe",
                                          "back\\slash",
                                          "semi;colon",
                                          "col:on",
                                          "at@sign",
                                          "tilde~",
                                          "star*",
                                          "paren(s)",
                                          "brack[et]",
                                          "brace{s}",
                                          "comma,",
                                          "dollar$",
                                          "caret^",
                                          "pipe|",
                                          "lt<gt>",
                                          "back`tick",
                                          "ds=2025-03-15/run=r 1/part-00000.json",
                                          ".hidden",
                                          "..double-dot-prefix",
                                          "trailing."};
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    auto put = PutString(*store_, Key(name), "v:" + name);
    ASSERT_TRUE(put) << put.error().ToString();
    auto got = GetString(*store_, Key(name));
    ASSERT_TRUE(got) << got.error().ToString();
    EXPECT_EQ(*got, "v:" + name);
    EXPECT_EQ(store_->Head(Key(name)).value().size, name.size() + 2);
  }
  std::vector<std::string> want;
  for (const std::string& name : names) want.push_back(Key(name));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(Keys(store_->List(prefix_).value()), want);
  EXPECT_EQ(Keys(store_->List(Key("quest?")).value()), std::vector<std::string>{Key("quest?ion")});
  for (const std::string& name : names) EXPECT_TRUE(store_->Delete(Key(name))) << name;
  EXPECT_TRUE(store_->List(prefix_).value().empty());
}

TEST_P(ObjectStoreContract, ReadsInBuffersOfAnySize) {
  // Smaller and larger than what arrives at once, and larger than the object.
  const std::string bytes = PatternBytes((300u << 10) + 5);
  ASSERT_TRUE(PutString(*store_, Key("sizes"), bytes));
  for (size_t buffer : {size_t{1}, size_t{4093}, size_t{1} << 16, size_t{1} << 20}) {
    SCOPED_TRACE(buffer);
    auto reader = store_->Open(Key("sizes"));
    ASSERT_TRUE(reader) << reader.error().ToString();
    const std::string got = ReadAll(**reader, buffer);
    ASSERT_EQ(got.size(), bytes.size());
    EXPECT_TRUE(got == bytes);
  }
}

TEST_P(ObjectStoreContract, ReadsObjectsLargerThanWhatAReaderBuffers) {
  // An S3 reader holds at most 512 KiB that no Read() has asked for yet, and
  // pauses the transfer until they are read: this crosses that bound again
  // and again.
  const std::string bytes = PatternBytes((3u << 19) + 7);
  ASSERT_TRUE(PutString(*store_, Key("past-buffer"), bytes));
  for (size_t buffer : {size_t{4093}, (size_t{1} << 19) - 1, size_t{1} << 21}) {
    SCOPED_TRACE(buffer);
    auto reader = store_->Open(Key("past-buffer"));
    ASSERT_TRUE(reader) << reader.error().ToString();
    const std::string got = ReadAll(**reader, buffer);
    ASSERT_EQ(got.size(), bytes.size());
    EXPECT_TRUE(got == bytes);
  }
}

TEST_P(ObjectStoreContract, LargeObjectsWrittenAtOnceRoundTrip) {
  // Two multipart uploads at once share their parts in flight on S3.
  const std::string first = PatternBytes((11u << 20) + 3);
  const std::string second = std::string(first.rbegin(), first.rend());
  auto write = [&](const std::string& key, const std::string& bytes) {
    auto writer = store_->Create(key);
    if (!writer) return false;
    for (size_t offset = 0; offset < bytes.size(); offset += 1u << 20) {
      if (!(*writer)->Write(std::string_view(bytes).substr(offset, 1u << 20))) return false;
    }
    return bool((*writer)->Commit());
  };
  bool first_ok = false;
  std::thread other([&] { first_ok = write(Key("at-once/1"), first); });
  const bool second_ok = write(Key("at-once/2"), second);
  other.join();
  ASSERT_TRUE(first_ok);
  ASSERT_TRUE(second_ok);
  EXPECT_TRUE(GetString(*store_, Key("at-once/1")).value() == first);
  EXPECT_TRUE(GetString(*store_, Key("at-once/2")).value() == second);
}

TEST_P(ObjectStoreContract, ReadsRanges) {
  const std::string bytes = PatternBytes(1000);
  ASSERT_TRUE(PutString(*store_, Key("r"), bytes));
  struct Case {
    uint64_t offset, length;
    size_t want_offset, want_length;
  } cases[] = {{0, 10, 0, 10},          {5, 5, 5, 5},       {990, 100, 990, 10},
               {0, 1000, 0, 1000},      {0, 5000, 0, 1000}, {999, 1, 999, 1},
               {1000, 5, 0, 0},         {4000, 5, 0, 0},    {10, 0, 0, 0},
               {0, UINT64_MAX, 0, 1000}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("offset {} length {}", c.offset, c.length));
    auto reader = store_->OpenRange(Key("r"), c.offset, c.length);
    ASSERT_TRUE(reader) << reader.error().ToString();
    EXPECT_EQ((*reader)->size(), c.want_length);
    EXPECT_EQ(ReadAll(**reader, 7), bytes.substr(c.want_offset, c.want_length));
  }
}

TEST_P(ObjectStoreContract, ConcurrentWritersToDifferentKeys) {
  constexpr int kThreads = 6;
  constexpr int kObjectsPerThread = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        std::string key = Key(fmt::format("t{}/o{}", t, i));
        auto writer = store_->Create(key);
        if (!writer) {
          ++failures;
          continue;
        }
        for (int chunk = 0; chunk < 4; ++chunk) {
          if (!(*writer)->Write(fmt::format("{}:{}:{};", t, i, chunk))) ++failures;
        }
        if (!(*writer)->Commit()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  auto listed = store_->List(prefix_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), size_t{kThreads * kObjectsPerThread});
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kObjectsPerThread; ++i) {
      EXPECT_EQ(GetString(*store_, Key(fmt::format("t{}/o{}", t, i))).value(),
                fmt::format("{0}:{1}:0;{0}:{1}:1;{0}:{1}:2;{0}:{1}:3;", t, i));
    }
  }
}

// S3 answers at most 1000 keys a page: the listing must follow continuation tokens.
TEST_P(ObjectStoreContract, ListsPastOneThousandObjects) {
  if (GetParam() == Backend::kFile) GTEST_SKIP() << "pages are an S3 matter";
  constexpr int kObjects = 1100;
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kObjects; i += kThreads) {
        if (!PutString(*store_, Key(fmt::format("many/{:05}", i)), "")) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  auto listed = store_->List(Key("many/"));
  ASSERT_TRUE(listed) << listed.error().ToString();
  ASSERT_EQ(listed->size(), size_t{kObjects});
  for (int i = 0; i < kObjects; ++i) {
    ASSERT_EQ((*listed)[static_cast<size_t>(i)].key, Key(fmt::format("many/{:05}", i)));
  }
  EXPECT_EQ(store_->List(Key("many/010")).value().size(), 100u);
}

TEST_P(ObjectStoreContract, DescribeHasNoSecret) {
  std::string described = store_->Describe();
  EXPECT_FALSE(described.empty());
  auto url = Url::Parse(url_);
  ASSERT_TRUE(url);
  if (url->has_password) {
    EXPECT_EQ(described.find(url->password), std::string::npos) << described;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ObjectStoreContract,
                         ::testing::Values(Backend::kFile, Backend::kS3), BackendName);

}  // namespace
}  // namespace sluice::lake::testing
