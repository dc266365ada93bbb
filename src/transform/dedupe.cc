#include "transform/dedupe.h"

#include <charconv>

namespace sluice::transform {

PrimaryKeySet::PrimaryKeySet(std::span<const int> key_columns,
                             std::span<const ColumnSpec> columns)
    : key_columns_(key_columns.begin(), key_columns.end()) {
  single_bigint_ =
      key_columns_.size() == 1 && columns[key_columns_[0]].type == ColumnType::kBigint;
}

bool PrimaryKeySet::Insert(std::span<const Cell> cells) {
  if (key_columns_.empty()) return true;
  if (single_bigint_) {
    // Cast cells hold a canonical int64 text ("007" was written as 7).
    const std::string& text = cells[key_columns_[0]].text;
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return int_keys_.insert(value).second;
  }
  // Length-prefixed parts, so ("a,b","c") and ("a","b,c") stay distinct.
  key_buffer_.clear();
  for (const int column : key_columns_) {
    const std::string& text = cells[column].text;
    char length[24];
    key_buffer_.append(length, std::to_chars(length, length + sizeof(length), text.size()).ptr);
    key_buffer_.push_back(':');
    key_buffer_.append(text);
  }
  if (text_keys_.contains(key_buffer_)) return false;
  text_keys_.insert(key_buffer_);
  return true;
}

}  // namespace sluice::transform
