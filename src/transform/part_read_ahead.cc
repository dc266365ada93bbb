#include "transform/part_read_ahead.h"

#include <algorithm>
#include <cstring>

namespace sluice::transform {

PartReadAhead::PartReadAhead(lake::ObjectStore& store, std::span<const std::string> keys,
                             Limits limits)
    : store_(store), keys_(keys), limits_(limits) {
  if (!keys_.empty()) reader_ = std::thread([this] { ReadAll(); });
}

PartReadAhead::~PartReadAhead() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void PartReadAhead::ReadAll() {
  for (const std::string& key : keys_) {
    Chunk chunk;
    if (!WaitForRoom(chunk)) return;
    Result<std::unique_ptr<lake::ObjectReader>> object = store_.Open(key);
    if (!object) {
      chunk.status = std::move(object).error();
    } else if ((*object)->size() <= limits_.whole_part_bytes) {
      if (Status read = ReadWhole(**object, chunk); !read) {
        chunk.status = std::move(read).error().AddContext(key);
      }
    } else {
      if (!ReadPieces(key, **object, std::move(chunk))) break;
      continue;
    }
    const bool failed = !chunk.status;
    Push(std::move(chunk));
    if (failed) break;
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

bool PartReadAhead::WaitForRoom(Chunk& chunk) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] {
    return stopping_ || ready_.empty() ||
           (ready_.size() < limits_.max_parts && ready_bytes_ < limits_.max_bytes);
  });
  if (stopping_) return false;
  if (!spare_buffers_.empty()) {
    chunk.bytes = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  return true;
}

void PartReadAhead::Push(Chunk chunk) {
  {
    std::lock_guard lock(mutex_);
    ready_bytes_ += chunk.size;
    ready_.push_back(std::move(chunk));
  }
  changed_.notify_all();
}

Status PartReadAhead::ReadWhole(lake::ObjectReader& object, Chunk& chunk) {
  size_t size = 0;
  // The announced size, plus room to notice an object that grew past it.
  chunk.bytes.resize(object.size() + JsonRowReader::kPadding + 1);
  while (true) {
    if (chunk.bytes.size() - size == JsonRowReader::kPadding) {
      chunk.bytes.resize(chunk.bytes.size() * 2);
    }
    const size_t room = chunk.bytes.size() - JsonRowReader::kPadding - size;
    SLUICE_ASSIGN_OR_RETURN(size_t got, object.Read(chunk.bytes.data() + size, room));
    if (got == 0) break;
    size += got;
  }
  chunk.size = size;
  std::memset(chunk.bytes.data() + size, 0, JsonRowReader::kPadding);
  return OkStatus();
}

bool PartReadAhead::ReadPieces(const std::string& key, lake::ObjectReader& object,
                               Chunk first_piece) {
  const size_t piece_bytes = std::max<size_t>(limits_.piece_bytes, 1);
  Chunk piece = std::move(first_piece);
  while (true) {
    piece.is_whole = false;
    piece.part_size = object.size();
    piece.bytes.resize(piece_bytes);
    bool at_end = false;
    while (piece.size < piece_bytes) {
      Result<size_t> got = object.Read(piece.bytes.data() + piece.size, piece_bytes - piece.size);
      if (!got) {
        piece.status = std::move(got).error().AddContext(key);
        break;
      }
      if (*got == 0) {
        at_end = true;
        break;
      }
      piece.size += *got;
    }
    const bool failed = !piece.status;
    piece.is_last = at_end || failed;
    Push(std::move(piece));
    if (failed) return false;
    if (at_end) return true;
    piece = Chunk{};
    if (!WaitForRoom(piece)) return false;
  }
}

Status PartReadAhead::TakeChunk() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
  if (ready_.empty()) return Error::FailedPrecondition("no raw part left to read");
  // Spares are bounded in number and size, so one huge part is not kept for the rest.
  if (spare_buffers_.size() < limits_.max_parts && current_.bytes.capacity() <= limits_.max_bytes) {
    spare_buffers_.push_back(std::move(current_.bytes));
  }
  current_ = std::move(ready_.front());
  ready_.pop_front();
  ready_bytes_ -= current_.size;
  lock.unlock();
  changed_.notify_all();
  return current_.status;
}

Result<PartReadAhead::Part> PartReadAhead::Next() {
  while (!current_.is_last) SLUICE_TRY(TakeChunk());  // the unread rest of a part in pieces
  SLUICE_TRY(TakeChunk());
  if (current_.is_whole) {
    return Part{.whole = std::string_view(current_.bytes.data(), current_.size), .pieces = nullptr};
  }
  pieces_.offset = 0;
  return Part{.whole = {}, .pieces = &pieces_};
}

Result<size_t> PartReadAhead::Pieces::Read(char* buffer, size_t capacity) {
  Chunk& piece = owner_.current_;
  if (!piece.status) return piece.status.error();
  while (offset == piece.size) {
    if (piece.is_last) return size_t{0};
    SLUICE_TRY(owner_.TakeChunk());
    offset = 0;
  }
  const size_t n = std::min(capacity, piece.size - offset);
  std::memcpy(buffer, piece.bytes.data() + offset, n);
  offset += n;
  return n;
}

}  // namespace sluice::transform
