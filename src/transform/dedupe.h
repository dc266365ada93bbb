// The primary keys seen so far in one table's transform: the first record
// with a key is kept, later ones are counted as duplicates. Memory grows with
// the distinct keys only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "transform/transform.h"

namespace sluice::transform {

class PrimaryKeySet {
 public:
  // key_columns: indexes of the primary key columns; empty = no dedupe.
  PrimaryKeySet(std::span<const int> key_columns, std::span<const ColumnSpec> columns);

  // True when cells' key was not seen before (and is now). Key cells are never
  // NULL here: primary key columns are required.
  bool Insert(std::span<const Cell> cells);

 private:
  std::vector<int> key_columns_;
  bool single_bigint_ = false;  // the common case: one bigint key, kept as int64
  std::unordered_set<int64_t> int_keys_;
  std::unordered_set<std::string> text_keys_;
  std::string key_buffer_;
};

}  // namespace sluice::transform
