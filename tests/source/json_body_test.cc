#include "source/json_body.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sluice::source {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  bool is_valid;
  uint64_t records;
  std::string error;
};

Outcome Validate(std::string_view body, size_t piece_size, size_t max_record = 1 << 20,
                 size_t whole_body_bytes = JsonBodyValidator::kWholeBodyBytes) {
  JsonBodyValidator validator(max_record, whole_body_bytes);
  for (size_t pos = 0; pos < body.size(); pos += piece_size) {
    validator.Feed(body.substr(pos, piece_size));
  }
  bool is_valid = validator.Finish();
  return {is_valid, validator.records(), validator.error()};
}

struct Case {
  const char* name;
  std::string body;
  bool is_valid;
  uint64_t records;
  const char* error;  // a part of the message when invalid
};

const Case kCases[] = {
    {"empty array", "[]", true, 0, ""},
    {"empty array with spaces", " \n[ \t]\r\n", true, 0, ""},
    {"array of objects", R"([{"id":1},{"id":2,"a":{"b":[1,2,{"c":null}]}}])", true, 2, ""},
    {"brackets and quotes inside strings", R"([{"s":"]}[{\"x\\"},{"t":"\\"}])", true, 2, ""},
    {"runs of backslashes before quotes", R"([{"s":"\\\\"},{"s":"\\\"]"},{"s":"a\\"}])", true, 3,
     ""},
    {"long strings",
     "[{\"s\":\"" + std::string(5000, 'x') + "\"},\"" + std::string(300, ']') + "\"]", true, 2, ""},
    {"scalars are records", R"([1, -2.5e3, "x", true, false, null])", true, 6, ""},
    {"single object is one record", R"({"id":1,"name":"Leanne"})", true, 1, ""},
    {"integer past 64 bits", R"([{"id":123456789012345678901234567890}])", true, 1, ""},
    {"exponent out of double range", R"([{"x":1e400}])", true, 1, ""},
    {"unicode escapes and UTF-8", R"([{"s":"\u00e9 caf\u00e9 \ud83d\ude00 é"}])", true, 1, ""},
    {"empty body", "", false, 0, "empty body"},
    {"only spaces", "   ", false, 0, "empty body"},
    {"top-level scalar", "42", false, 0, "not a JSON array or object"},
    {"top-level string", R"("users")", false, 0, "not a JSON array or object"},
    {"html error page", "<html>502</html>", false, 0, "not a JSON array or object"},
    {"array cut inside record", R"([{"id":1},{"id":)", false, 1, "JSON ends early"},
    {"array cut between records", R"([{"id":1},)", false, 1, "JSON ends early"},
    {"array cut before closing bracket", R"([{"id":1})", false, 1, "JSON ends early"},
    {"array cut inside string", R"([{"id":"ab)", false, 0, "JSON ends early"},
    {"array cut after scalar", "[1,2", false, 1, "JSON ends early"},
    {"object cut", R"({"id":1)", false, 0, "JSON ends early"},
    {"double comma in record", R"([{"id":1},{"id":2,,"x":1}])", false, 1, "record 2"},
    {"trailing comma in array", R"([{"id":1},])", false, 1, "trailing comma"},
    {"missing comma between records", R"([{"id":1} {"id":2}])", false, 1, "expected ',' or ']'"},
    {"mismatched brackets", R"([{"id":[1}]])", false, 0, "malformed JSON in record 1"},
    {"bad literal", R"([{"ok":tru}])", false, 0, "record 1"},
    {"bad scalar record", "[1,2x,3]", false, 1, "record 2"},
    {"leading zero", R"([{"n":01}])", false, 0, "record 1"},
    {"bad escape", R"([{"s":"\q"}])", false, 0, "record 1"},
    {"raw control character in string", "[{\"s\":\"a\x01z\"}]", false, 0, "record 1"},
    {"invalid UTF-8", "[{\"s\":\"\xff\xfe\"}]", false, 0, "record 1"},
    {"content after the array", R"([{"id":1}] x)", false, 1, "after the end"},
    {"second top-level value", R"({"a":1}{"b":2})", false, 1, "after the end"},
};

TEST(JsonBodyValidator, ValidatesAndCountsWhateverThePieceSize) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    for (size_t piece : {c.body.size() + 1, size_t{1}, size_t{2}, size_t{3}, size_t{7}}) {
      // Kept and parsed whole, through the tokenizer only, and through the
      // tokenizer after the body outgrew what is kept whole.
      for (size_t whole_body_bytes : {JsonBodyValidator::kWholeBodyBytes, size_t{0}, size_t{5}}) {
        SCOPED_TRACE(fmt::format("piece {}, whole up to {}", piece, whole_body_bytes));
        Outcome outcome = Validate(c.body, piece, 1 << 20, whole_body_bytes);
        EXPECT_EQ(outcome.is_valid, c.is_valid) << outcome.error;
        EXPECT_EQ(outcome.records, c.records);
        if (c.is_valid) {
          EXPECT_EQ(outcome.error, "");
        } else {
          EXPECT_THAT(outcome.error, HasSubstr(c.error));
        }
      }
    }
  }
}

// A body parsed whole gets the tokenizer's verdict, count and message, for
// bodies one byte away from valid ones as much as for the valid ones.
TEST(JsonBodyValidator, WholeBodiesGetTheTokenizersVerdict) {
  const std::string valid[] = {
      R"([{"id":1,"a":{"b":[1,2,{"c":null}]},"s":"x\"y"},{"id":2,"t":true,"f":-1.5e3}])",
      R"({"id":1,"name":"Leanne","geo":{"lat":"-37.3159"}})",
      R"([1, "two", [3], {"four": 4}, null, false])", "[]"};
  const std::string alphabet = "[]{}\",:\\ 0-.e1tnfa\x01\xff";
  std::mt19937 random(7);
  int compared = 0, still_valid = 0;
  for (const std::string& body : valid) {
    for (int i = 0; i < 3000; ++i) {
      std::string mutated = body;
      for (int edits = 1 + static_cast<int>(random() % 2); edits > 0; --edits) {
        const size_t at = random() % (mutated.size() + 1);
        const char c = alphabet[random() % alphabet.size()];
        switch (random() % 3) {
          case 0:
            mutated.insert(at, 1, c);
            break;
          case 1:
            if (at < mutated.size()) mutated.erase(at, 1);
            break;
          default:
            if (at < mutated.size()) mutated[at] = c;
        }
      }
      SCOPED_TRACE(mutated);
      const Outcome whole = Validate(mutated, mutated.size() + 1);
      const Outcome tokenized = Validate(mutated, 3, 1 << 20, 0);
      ASSERT_EQ(whole.is_valid, tokenized.is_valid);
      ASSERT_EQ(whole.records, tokenized.records);
      ASSERT_EQ(whole.error, tokenized.error);
      ++compared;
      still_valid += whole.is_valid ? 1 : 0;
    }
  }
  EXPECT_EQ(compared, 12000);
  EXPECT_GT(still_valid, 1000) << "the edits should leave many bodies valid, and change counts";
}

TEST(JsonBodyValidator, CountsAWholeBodyOnceItIsComplete) {
  JsonBodyValidator validator(1 << 20);
  validator.Feed(R"([{"a":1},{"b":)");
  validator.Feed(R"(2}])");
  EXPECT_EQ(validator.records(), 2u);
  validator.Feed(" \n");
  EXPECT_EQ(validator.records(), 2u);
  EXPECT_TRUE(validator.Finish());
  EXPECT_EQ(validator.records(), 2u);
}

TEST(JsonBodyValidator, ErrorNamesTheByteOffset) {
  Outcome outcome = Validate(R"([{"id":1},{"id":2,,"x":1}])", 4);
  EXPECT_THAT(outcome.error, HasSubstr("bytes 10-25"));
  outcome = Validate(R"([{"id":1}] x)", 100);
  EXPECT_THAT(outcome.error, HasSubstr("byte 11"));
}

TEST(JsonBodyValidator, RecordLargerThanTheLimitFails) {
  std::string body = R"([{"a":"short"},{"b":")" + std::string(200, 'x') + R"("}])";
  Outcome outcome = Validate(body, 16, 100);
  EXPECT_FALSE(outcome.is_valid);
  EXPECT_EQ(outcome.records, 1u);
  EXPECT_THAT(outcome.error, HasSubstr("record 2"));
  EXPECT_THAT(outcome.error, HasSubstr("larger than 100 bytes"));
  EXPECT_TRUE(Validate(body, 16, 300).is_valid);
}

TEST(JsonBodyValidator, ResetStartsOver) {
  JsonBodyValidator validator(1024);
  validator.Feed("[{\"a\":1},{");
  validator.Reset();
  validator.Feed("[{\"a\":1}]");
  EXPECT_TRUE(validator.Finish());
  EXPECT_EQ(validator.records(), 1u);
}

TEST(JsonBodyValidator, ManyRecordsInLargePieces) {
  std::string body = "[";
  for (int i = 0; i < 10000; ++i) {
    if (i > 0) body += ",\n";
    body += R"({"id":)" + std::to_string(i) + R"(,"title":"t \"q\" [x] {y}","done":false})";
  }
  body += "]";
  for (size_t piece : {size_t{16384}, size_t{333}}) {
    Outcome outcome = Validate(body, piece);
    EXPECT_TRUE(outcome.is_valid) << outcome.error;
    EXPECT_EQ(outcome.records, 10000u);
  }
}

}  // namespace
}  // namespace sluice::source
