#include "transform/part_read_ahead.h"

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
    Part part;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] {
        return stopping_ || ready_.empty() ||
               (ready_.size() < limits_.max_parts && ready_bytes_ < limits_.max_bytes);
      });
      if (stopping_) return;
      if (!spare_buffers_.empty()) {
        part.bytes = std::move(spare_buffers_.back());
        spare_buffers_.pop_back();
      }
    }
    part.status = ReadWhole(key, part);
    const bool failed = !part.status;
    {
      std::lock_guard lock(mutex_);
      ready_bytes_ += part.size;
      ready_.push_back(std::move(part));
    }
    changed_.notify_all();
    if (failed) break;
  }
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

Status PartReadAhead::ReadWhole(const std::string& key, Part& part) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<lake::ObjectReader> object, store_.Open(key));
  size_t size = 0;
  // The announced size, plus room to notice an object that grew past it.
  part.bytes.resize(object->size() + JsonRowReader::kPadding + 1);
  while (true) {
    if (part.bytes.size() - size == JsonRowReader::kPadding) {
      part.bytes.resize(part.bytes.size() * 2);
    }
    const size_t room = part.bytes.size() - JsonRowReader::kPadding - size;
    Result<size_t> got = object->Read(part.bytes.data() + size, room);
    if (!got) return std::move(got).error().AddContext(key);
    if (*got == 0) break;
    size += *got;
  }
  part.size = size;
  std::memset(part.bytes.data() + size, 0, JsonRowReader::kPadding);
  return OkStatus();
}

Result<std::string_view> PartReadAhead::Next() {
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
  if (!current_.status) return current_.status.error();
  return std::string_view(current_.bytes.data(), current_.size);
}

}  // namespace sluice::transform
