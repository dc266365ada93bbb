// PartReadAhead over the filesystem store: order, padding, limits, parts in
// pieces, and errors.
#include "transform/part_read_ahead.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "lake/forwarding_store.h"

namespace sluice::transform {
namespace {

class PartReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-read-ahead-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    Result<std::unique_ptr<lake::ObjectStore>> store = lake::OpenObjectStore("file://" + root_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> PutParts(const std::vector<std::string>& bodies) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < bodies.size(); ++i) {
      keys.push_back(fmt::format("raw/t/part-{:05}.json", i));
      EXPECT_TRUE(lake::PutString(*store_, keys.back(), bodies[i]));
    }
    return keys;
  }

  std::string root_;
  std::unique_ptr<lake::ObjectStore> store_;
};

TEST_F(PartReadAheadTest, GivesEveryPartInOrderWithZeroedPadding) {
  const std::vector<std::string> bodies = {"[1]", "", std::string(100'000, 'x'), "[2,3]"};
  const std::vector<std::string> keys = PutParts(bodies);
  for (const PartReadAhead::Limits limits :
       {PartReadAhead::Limits{}, PartReadAhead::Limits{.max_parts = 1, .max_bytes = 1}}) {
    PartReadAhead parts(*store_, keys, limits);
    for (const std::string& body : bodies) {
      Result<PartReadAhead::Part> part = parts.Next();
      ASSERT_TRUE(part) << part.error().message();
      ASSERT_EQ(part->pieces, nullptr);
      EXPECT_EQ(part->whole, body);
      EXPECT_EQ(std::string_view(part->whole.data() + part->whole.size(), JsonRowReader::kPadding),
                std::string(JsonRowReader::kPadding, '\0'));
    }
  }
}

// Reads a part in pieces to its end, in reads of at most read_bytes.
std::string ReadPieces(lake::ObjectReader& pieces, size_t read_bytes) {
  std::string bytes, buffer(read_bytes, '\0');
  while (true) {
    Result<size_t> got = pieces.Read(buffer.data(), buffer.size());
    EXPECT_TRUE(got) << got.error().message();
    if (!got || *got == 0) return bytes;
    bytes.append(buffer, 0, *got);
  }
}

TEST_F(PartReadAheadTest, GivesAPartPastTheWholeLimitInPiecesBetweenWholeParts) {
  std::string big;
  for (int i = 0; big.size() < 10'000; ++i) big += fmt::format("{},", i);
  const std::vector<std::string> bodies = {"[1]", big, std::string(1000, 'y'), big, "[2]"};
  const std::vector<std::string> keys = PutParts(bodies);
  for (const size_t piece_bytes : {size_t{1}, size_t{333}, size_t{4096}, size_t{1} << 20}) {
    SCOPED_TRACE(piece_bytes);
    PartReadAhead parts(
        *store_, keys,
        {.max_parts = 2, .max_bytes = 8192, .whole_part_bytes = 1000, .piece_bytes = piece_bytes});
    for (const std::string& body : bodies) {
      Result<PartReadAhead::Part> part = parts.Next();
      ASSERT_TRUE(part) << part.error().message();
      if (body.size() <= 1000) {
        ASSERT_EQ(part->pieces, nullptr);
        EXPECT_EQ(part->whole, body);
        continue;
      }
      ASSERT_NE(part->pieces, nullptr);
      EXPECT_EQ(part->pieces->size(), body.size());
      EXPECT_EQ(ReadPieces(*part->pieces, 777), body);
      Result<size_t> after_the_end = part->pieces->Read(nullptr, 0);
      ASSERT_TRUE(after_the_end);
      EXPECT_EQ(*after_the_end, 0u);
    }
    EXPECT_FALSE(parts.Next());
  }
}

TEST_F(PartReadAheadTest, SkipsWhatWasLeftUnreadOfAPartInPieces) {
  const std::string big(50'000, 'z');
  const std::vector<std::string> keys = PutParts({big, "[1]", big, big});
  PartReadAhead parts(*store_, keys,
                      {.max_parts = 1, .max_bytes = 1, .whole_part_bytes = 100, .piece_bytes = 64});
  Result<PartReadAhead::Part> first = parts.Next();
  ASSERT_TRUE(first && first->pieces != nullptr);
  char some[10];
  ASSERT_TRUE(first->pieces->Read(some, sizeof some));
  Result<PartReadAhead::Part> second = parts.Next();
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->whole, "[1]");
  ASSERT_TRUE(parts.Next());  // the third, not read at all
  Result<PartReadAhead::Part> fourth = parts.Next();
  ASSERT_TRUE(fourth && fourth->pieces != nullptr);
  EXPECT_EQ(ReadPieces(*fourth->pieces, 4096), big);
}

// A part that is cut short while it is read in pieces: the store's kDataLoss,
// named by its key, from the pieces' Read, then nothing more.
class TruncatingStore final : public lake::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  class Reader final : public lake::ObjectReader {
   public:
    explicit Reader(std::unique_ptr<lake::ObjectReader> inner) : inner_(std::move(inner)) {}
    Result<size_t> Read(char* buffer, size_t capacity) override {
      if (given_ >= inner_->size() / 2) return Error::DataLoss("the body ended early");
      SLUICE_ASSIGN_OR_RETURN(size_t got, inner_->Read(buffer, std::min<size_t>(capacity, 100)));
      given_ += got;
      return got;
    }
    uint64_t size() const override { return inner_->size(); }

   private:
    std::unique_ptr<lake::ObjectReader> inner_;
    uint64_t given_ = 0;
  };
  Result<std::unique_ptr<lake::ObjectReader>> Open(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<lake::ObjectReader> reader, inner().Open(key));
    return std::unique_ptr<lake::ObjectReader>(new Reader(std::move(reader)));
  }
  std::string Describe() const override { return "truncating"; }
};

TEST_F(PartReadAheadTest, APartCutShortInPiecesFailsItsReadAndStops) {
  const std::vector<std::string> keys = PutParts({std::string(5000, 'q'), "[1]"});
  TruncatingStore store(*store_);
  PartReadAhead parts(
      store, keys,
      {.max_parts = 2, .max_bytes = 8192, .whole_part_bytes = 100, .piece_bytes = 512});
  Result<PartReadAhead::Part> part = parts.Next();
  ASSERT_TRUE(part && part->pieces != nullptr);
  std::string buffer(4096, '\0');
  Result<size_t> got = size_t{0};
  size_t total = 0;
  while ((got = part->pieces->Read(buffer.data(), buffer.size())) && *got > 0) total += *got;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), Code::kDataLoss);
  EXPECT_NE(got.error().message().find(keys[0]), std::string::npos) << got.error().message();
  EXPECT_LE(total, 2500u);  // the piece the error cut short is not given
  EXPECT_FALSE(part->pieces->Read(buffer.data(), buffer.size()));  // the error stays
  EXPECT_FALSE(parts.Next());
}

TEST_F(PartReadAheadTest, StopsAtAMissingPart) {
  std::vector<std::string> keys = PutParts({"[1]", "[2]"});
  keys.insert(keys.begin() + 1, "raw/t/part-absent.json");
  PartReadAhead parts(*store_, keys);
  ASSERT_TRUE(parts.Next());
  Result<PartReadAhead::Part> missing = parts.Next();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_FALSE(parts.Next());  // nothing is read after an error
}

TEST_F(PartReadAheadTest, DroppedBeforeTheEndDoesNotWait) {
  const std::vector<std::string> keys = PutParts({"[1]", "[2]", "[3]", "[4]", "[5]"});
  PartReadAhead parts(*store_, keys);
  ASSERT_TRUE(parts.Next());
}

TEST_F(PartReadAheadTest, NoKeysStartsNoRead) {
  PartReadAhead parts(*store_, std::vector<std::string>{});
}

}  // namespace
}  // namespace sluice::transform
