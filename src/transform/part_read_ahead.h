// Reads a table's raw parts whole, in order, on a thread of its own, so the
// GET of the next part overlaps the parsing of the current one (a store's
// round trip costs about as much as parsing a page of records).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "transform/transform.h"

namespace sluice::transform {

class PartReadAhead {
 public:
  struct Limits {
    size_t max_parts = 2;                // read, waiting to be parsed
    size_t max_bytes = size_t{8} << 20;  // their bytes: past it, one part at most
  };

  // Starts reading keys[0]. keys and store must outlive this object.
  PartReadAhead(lake::ObjectStore& store, std::span<const std::string> keys, Limits limits);
  PartReadAhead(lake::ObjectStore& store, std::span<const std::string> keys)
      : PartReadAhead(store, keys, Limits{}) {}
  // Waits for the part being read, if any, and drops the others.
  ~PartReadAhead();
  PartReadAhead(const PartReadAhead&) = delete;
  PartReadAhead& operator=(const PartReadAhead&) = delete;

  // The next part's bytes, followed by JsonRowReader::kPadding readable bytes;
  // valid until the next call. Call it once per key. A failed Open or Read is
  // returned as the store gave it (a read error with the key as context), and
  // nothing is read after it.
  Result<std::string_view> Next();

 private:
  struct Part {
    Status status;
    std::string bytes;  // size + kPadding
    size_t size = 0;
  };
  void ReadAll();
  Status ReadWhole(const std::string& key, Part& part);

  lake::ObjectStore& store_;
  std::span<const std::string> keys_;
  const Limits limits_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Part> ready_;
  size_t ready_bytes_ = 0;
  std::vector<std::string> spare_buffers_;  // reused, so a page is not a fresh allocation
  bool stopping_ = false;
  bool finished_ = false;  // the thread read every key, or stopped at an error

  Part current_;
  std::thread reader_;
};

}  // namespace sluice::transform
