// The primary keys seen so far in one table's transform: the first record
// with a key is kept, later ones are counted as duplicates. Memory grows with
// the distinct keys only, and for integer keys far slower than their count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "transform/transform.h"

namespace sluice::transform {

// A set of int64 in the manner of a Roaring bitmap: values are grouped by
// their high 48 bits into chunks of 65,536; a chunk holds a sorted array of
// its low 16 bits (2 bytes a value) until it has kMaxArrayValues, then a
// bitmap of 8 KiB. API ids, mostly dense and ascending, cost about one bit
// each (6 M ids: under 1 MiB, where a node-based hash set takes ~40 bytes each);
// scattered ids cost 2 bytes each plus about 100 bytes per chunk in use.
class CompactInt64Set {
 public:
  // True when value was not in the set (and now is).
  bool Insert(int64_t value);
  uint64_t size() const { return size_; }

 private:
  static constexpr size_t kMaxArrayValues = 4096;  // past it a bitmap is smaller
  static constexpr size_t kBitmapWords = 65536 / 64;
  struct Chunk {
    std::vector<uint16_t> sorted;        // while there is no bitmap
    std::unique_ptr<uint64_t[]> bitmap;  // kBitmapWords words, once sorted outgrew its limit
    bool Insert(uint16_t low);
  };
  std::unordered_map<uint64_t, Chunk> chunks_;
  // Consecutive keys mostly share a chunk: skip the lookup (map values never move).
  Chunk* last_chunk_ = nullptr;
  uint64_t last_high_ = 0;
  uint64_t size_ = 0;
};

class PrimaryKeySet {
 public:
  // key_columns: indexes of the primary key columns; empty = no dedupe.
  PrimaryKeySet(std::span<const int> key_columns, std::span<const ColumnSpec> columns);

  // True when cells' key was not seen before (and is now). Key cells are never
  // NULL here: primary key columns are required.
  bool Insert(std::span<const Cell> cells);

 private:
  std::vector<int> key_columns_;
  bool single_bigint_ = false;  // the common case: one bigint key
  CompactInt64Set int_keys_;
  std::unordered_set<std::string> text_keys_;
  std::string key_buffer_;
};

}  // namespace sluice::transform
