// Writes one clean partition's CSV parts and quarantine parts, rolling to a
// new part past the size limits. Each part becomes visible whole at its
// Commit(); a writer dropped before Finish() leaves no half part behind.
#pragma once

#include <simdjson.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transform/transform.h"

namespace sluice::transform {

class PartitionWriter {
 public:
  // prefix: CleanPartitionPrefix(...), ending in '/'.
  PartitionWriter(lake::ObjectStore& store, std::string prefix,
                  std::span<const ColumnSpec> columns, const TransformOptions& options);

  Status WriteRow(std::span<const Cell> cells);
  // One JSONL line: {"reason","raw_key","index","record"}; a record that is
  // not valid JSON is kept as a string in "record_text" instead of "record".
  Status Quarantine(std::string_view reason, std::string_view raw_key, uint64_t index,
                    std::string_view raw_json);
  // Flushes and commits the open parts.
  Status Finish();

  const std::vector<std::string>& parts() const { return parts_; }
  const std::vector<std::string>& quarantine_parts() const { return quarantine_parts_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Status OpenCsvPart();
  Status CloseCsvPart();
  Status OpenQuarantinePart();
  Status CloseQuarantinePart();
  void AppendRecordJson(std::string_view raw_json);

  lake::ObjectStore& store_;
  std::string prefix_;
  std::span<const ColumnSpec> columns_;
  TransformOptions options_;

  std::unique_ptr<lake::ObjectWriter> csv_object_;
  std::optional<CsvWriter> csv_;
  std::vector<std::string> parts_;

  std::unique_ptr<lake::ObjectWriter> quarantine_object_;
  std::string quarantine_buffer_;
  uint64_t quarantine_lines_ = 0;  // in the open part
  std::vector<std::string> quarantine_parts_;
  simdjson::ondemand::parser record_parser_;
  std::string record_buffer_;

  uint64_t bytes_written_ = 0;
};

}  // namespace sluice::transform
