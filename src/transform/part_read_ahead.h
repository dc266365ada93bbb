// Reads a table's raw parts in order, on a thread of its own, so the GET of
// the next bytes overlaps the parsing of the current ones (a store's round
// trip costs about as much as parsing a page of records). A part up to
// whole_part_bytes (an API page) is handed over whole, to be parsed in place;
// a larger one (an unpaginated resource) in pieces of piece_bytes, as a
// reader, so neither this nor the parser ever holds it whole.
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
  // The reader gets a page faster than it is parsed, but not evenly: a GET
  // now and then waits several milliseconds for an S3 server busy hashing an
  // upload (the clean CSV's own parts among them). Two dozen pages read ahead
  // carry the parser over such a wait; max_bytes bounds the memory.
  struct Limits {
    size_t max_parts = 24;                      // parts or pieces read, waiting to be parsed
    size_t max_bytes = size_t{4} << 20;         // their bytes: past it, one at most
    size_t whole_part_bytes = size_t{4} << 20;  // a larger part comes in pieces
    size_t piece_bytes = size_t{1} << 20;
  };

  // One part: its bytes whole, followed by JsonRowReader::kPadding zero bytes;
  // or, for a part larger than whole_part_bytes, `pieces`, a reader of its
  // bytes as they arrive. Either is valid until the next Next().
  struct Part {
    std::string_view whole;
    lake::ObjectReader* pieces = nullptr;
  };

  // Starts reading keys[0]. keys and store must outlive this object.
  PartReadAhead(lake::ObjectStore& store, std::span<const std::string> keys, Limits limits);
  PartReadAhead(lake::ObjectStore& store, std::span<const std::string> keys)
      : PartReadAhead(store, keys, Limits{}) {}
  // Waits for the part being read, if any, and drops the others.
  ~PartReadAhead();
  PartReadAhead(const PartReadAhead&) = delete;
  PartReadAhead& operator=(const PartReadAhead&) = delete;

  // The next part; call it once per key (what is left unread of a part in
  // pieces is skipped). A failed Open or Read is returned as the store gave
  // it, with the key as context (by Next(), or by the pieces' Read()), and
  // nothing is read after it.
  Result<Part> Next();

 private:
  // A whole part, or one piece of a part.
  struct Chunk {
    Status status;
    std::string bytes;  // size, then kPadding zero bytes for a whole part
    size_t size = 0;
    bool is_whole = true;
    bool is_last = true;  // of its part
    uint64_t part_size = 0;
  };
  class Pieces final : public lake::ObjectReader {
   public:
    explicit Pieces(PartReadAhead& owner) : owner_(owner) {}
    Result<size_t> Read(char* buffer, size_t capacity) override;
    uint64_t size() const override { return owner_.current_.part_size; }
    size_t offset = 0;  // in the current piece

   private:
    PartReadAhead& owner_;
  };

  void ReadAll();
  // Waits for room in the queue; false when stopping.
  bool WaitForRoom(Chunk& chunk);
  void Push(Chunk chunk);
  Status ReadWhole(lake::ObjectReader& object, Chunk& chunk);
  // Reads the part's pieces into the queue, the first into first_piece (room
  // for it was waited for); false when it stopped early.
  bool ReadPieces(const std::string& key, lake::ObjectReader& object, Chunk first_piece);
  // The next chunk into current_; its error, if it carries one.
  Status TakeChunk();

  lake::ObjectStore& store_;
  std::span<const std::string> keys_;
  const Limits limits_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> ready_;
  size_t ready_bytes_ = 0;
  std::vector<std::string> spare_buffers_;  // reused, so a page is not a fresh allocation
  bool stopping_ = false;
  bool finished_ = false;  // the thread read every key, or stopped at an error

  Chunk current_;
  Pieces pieces_{*this};
  std::thread reader_;
};

}  // namespace sluice::transform
