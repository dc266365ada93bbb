#include "transform/dedupe.h"

#include <algorithm>
#include <charconv>

namespace sluice::transform {

bool CompactInt64Set::Chunk::Insert(uint16_t low) {
  if (bitmap) {
    uint64_t& word = bitmap[low / 64];
    const uint64_t bit = uint64_t{1} << (low % 64);
    if (word & bit) return false;
    word |= bit;
    return true;
  }
  // Ascending ids append: check the end before searching.
  if (sorted.empty() || sorted.back() < low) {
    sorted.push_back(low);
  } else {
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), low);
    if (*it == low) return false;
    sorted.insert(it, low);
  }
  if (sorted.size() > kMaxArrayValues) {
    bitmap = std::make_unique<uint64_t[]>(kBitmapWords);  // zeroed
    for (const uint16_t value : sorted) bitmap[value / 64] |= uint64_t{1} << (value % 64);
    std::vector<uint16_t>().swap(sorted);
  }
  return true;
}

bool CompactInt64Set::Insert(int64_t value) {
  const uint64_t bits = static_cast<uint64_t>(value);
  const uint64_t high = bits >> 16;
  if (last_chunk_ == nullptr || high != last_high_) {
    last_chunk_ = &chunks_[high];
    last_high_ = high;
  }
  if (!last_chunk_->Insert(static_cast<uint16_t>(bits & 0xFFFF))) return false;
  ++size_;
  return true;
}

PrimaryKeySet::PrimaryKeySet(std::span<const int> key_columns, std::span<const ColumnSpec> columns)
    : key_columns_(key_columns.begin(), key_columns.end()) {
  single_bigint_ = key_columns_.size() == 1 && columns[key_columns_[0]].type == ColumnType::kBigint;
}

bool PrimaryKeySet::Insert(std::span<const Cell> cells) {
  if (key_columns_.empty()) return true;
  if (single_bigint_) {
    // Cast cells hold a canonical int64 text ("007" was written as 7).
    const std::string& text = cells[key_columns_[0]].text;
    int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return int_keys_.Insert(value);
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
  return text_keys_.insert(key_buffer_).second;
}

}  // namespace sluice::transform
