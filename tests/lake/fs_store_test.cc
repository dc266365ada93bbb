// What only the filesystem store promises: temp files, links, the root folder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "lake/store_fixture.h"

namespace sluice::lake::testing {
namespace {

namespace fs = std::filesystem;

class FsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("sluice-fs-test-" + RandomSuffix());
    root_ = base_ / "lake";
    auto store = OpenObjectStore(root_.string());
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(base_, ignored);
  }
  std::vector<std::string> FilesOnDisk() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) out.push_back(fs::relative(entry.path(), root_).string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path base_;
  fs::path root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(FsStoreTest, CreatesTheRootAndBucketFolders) {
  EXPECT_TRUE(fs::is_directory(root_));
  ASSERT_TRUE(PutString(*store_, "raw/a/b.json", "{}"));
  EXPECT_TRUE(fs::is_regular_file(root_ / "raw" / "a" / "b.json"));
  EXPECT_EQ(store_->Describe(), "file://" + root_.string());
  auto by_url = OpenObjectStore("file://" + root_.string() + "/");
  ASSERT_TRUE(by_url);
  EXPECT_EQ(GetString(**by_url, "raw/a/b.json").value(), "{}");
}

TEST_F(FsStoreTest, PendingWriteIsAHiddenTempFileNotListed) {
  auto writer = store_->Create("raw/p/x.json");
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->Write(std::string(300 * 1024, 'x')));  // past the write buffer
  auto on_disk = FilesOnDisk();
  ASSERT_EQ(on_disk.size(), 1u);
  EXPECT_TRUE(on_disk[0].starts_with("raw/p/.sluice-tmp-")) << on_disk[0];
  EXPECT_TRUE(store_->List("raw/").value().empty());
  ASSERT_TRUE((*writer)->Commit());
  EXPECT_EQ(FilesOnDisk(), std::vector<std::string>{"raw/p/x.json"});
}

TEST_F(FsStoreTest, AbandonedWriterRemovesItsTempFile) {
  { ASSERT_TRUE((*store_->Create("raw/p/x.json"))->Write("partial")); }
  EXPECT_TRUE(FilesOnDisk().empty());
}

TEST_F(FsStoreTest, TempNamesAreReservedInKeys) {
  EXPECT_EQ(store_->Create("raw/.sluice-tmp-123").error().code(), Code::kInvalidArgument);
}

TEST_F(FsStoreTest, DoesNotFollowSymbolicLinksOutOfTheRoot) {
  fs::create_directories(base_ / "outside");
  std::ofstream(base_ / "outside" / "secret.txt") << "secret";
  fs::create_directories(root_ / "raw");
  fs::create_directory_symlink(base_ / "outside", root_ / "raw" / "link");
  fs::create_symlink(base_ / "outside" / "secret.txt", root_ / "raw" / "file-link");
  fs::create_directory_symlink(base_ / "outside", root_ / "clean");  // a bucket that is a link

  for (const char* key : {"raw/link/secret.txt", "raw/file-link", "clean/secret.txt"}) {
    SCOPED_TRACE(key);
    auto reader = store_->Open(key);
    ASSERT_FALSE(reader);
    EXPECT_EQ(reader.error().code(), Code::kInvalidArgument) << reader.error().ToString();
    EXPECT_NE(reader.error().message().find("symbolic link"), std::string::npos);
    EXPECT_NE(reader.error().message().find(key), std::string::npos);
    EXPECT_FALSE(store_->Head(key));
  }
  EXPECT_FALSE(PutString(*store_, "raw/link/new.txt", "x"));
  EXPECT_FALSE(PutString(*store_, "clean/new.txt", "x"));
  EXPECT_FALSE(fs::exists(base_ / "outside" / "new.txt"));
  EXPECT_TRUE(store_->List("raw/").value().empty());
  EXPECT_TRUE(store_->Delete("raw/file-link"));  // removes the link, never its target
  EXPECT_TRUE(fs::exists(base_ / "outside" / "secret.txt"));
}

TEST_F(FsStoreTest, KeyThatIsAlsoAFolderGivesAClearError) {
  ASSERT_TRUE(PutString(*store_, "raw/a/b", "1"));
  auto status = PutString(*store_, "raw/a", "2");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("raw/a"), std::string::npos);
  EXPECT_NE(status.error().message().find("both an object and a folder"), std::string::npos);
  EXPECT_EQ(store_->Head("raw/a").error().code(), Code::kNotFound);
  EXPECT_TRUE(store_->Delete("raw/a"));
  EXPECT_EQ(GetString(*store_, "raw/a/b").value(), "1");
  EXPECT_FALSE(PutString(*store_, "raw/a/b/c", "3"));
}

TEST_F(FsStoreTest, ReaderReportsATruncatedFileAsDataLoss) {
  ASSERT_TRUE(PutString(*store_, "raw/t", std::string(10000, 'x')));
  auto reader = store_->Open("raw/t");
  ASSERT_TRUE(reader);
  ASSERT_EQ(::truncate((root_ / "raw" / "t").c_str(), 100), 0);
  char buffer[4096];
  auto first = (*reader)->Read(buffer, sizeof buffer);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 100u);
  auto second = (*reader)->Read(buffer, sizeof buffer);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), Code::kDataLoss);
}

TEST_F(FsStoreTest, UnwritableRootIsAClearError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  fs::create_directories(base_ / "ro");
  fs::permissions(base_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  auto store = OpenObjectStore((base_ / "ro" / "lake").string());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kPermissionDenied);
  fs::permissions(base_ / "ro", fs::perms::owner_all);
}

}  // namespace
}  // namespace sluice::lake::testing
