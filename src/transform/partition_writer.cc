#include "transform/partition_writer.h"

#include <fmt/format.h>

#include "transform/json_text.h"

namespace sluice::transform {

PartitionWriter::PartitionWriter(lake::ObjectStore& store, std::string prefix,
                                 std::span<const ColumnSpec> columns,
                                 const TransformOptions& options)
    : store_(store), prefix_(std::move(prefix)), columns_(columns), options_(options) {}

Status PartitionWriter::WriteRow(std::span<const Cell> cells) {
  if (csv_ && (csv_->rows() >= options_.max_rows_per_part ||
               csv_->bytes() >= options_.max_bytes_per_part)) {
    SLUICE_TRY(CloseCsvPart());
  }
  if (!csv_) SLUICE_TRY(OpenCsvPart());
  if (Status written = csv_->WriteRow(cells); !written) {
    return std::move(written).error().AddContext(parts_.back());
  }
  return OkStatus();
}

Status PartitionWriter::OpenCsvPart() {
  std::string key = fmt::format("{}part-{:05}.csv", prefix_, parts_.size());
  SLUICE_ASSIGN_OR_RETURN(csv_object_, store_.Create(key));
  csv_.emplace(*csv_object_, options_.write_buffer_bytes);
  parts_.push_back(std::move(key));
  if (Status header = csv_->WriteHeader(columns_); !header) {
    return std::move(header).error().AddContext(parts_.back());
  }
  return OkStatus();
}

Status PartitionWriter::CloseCsvPart() {
  Status flushed = csv_->Flush();
  if (flushed) flushed = csv_object_->Commit();
  if (!flushed) return std::move(flushed).error().AddContext(parts_.back());
  bytes_written_ += csv_->bytes();
  csv_.reset();
  csv_object_.reset();
  return OkStatus();
}

Status PartitionWriter::Quarantine(std::string_view reason, std::string_view raw_key,
                                   uint64_t index, std::string_view raw_json) {
  if (quarantine_object_ && quarantine_lines_ >= options_.max_quarantine_lines_per_part) {
    SLUICE_TRY(CloseQuarantinePart());
  }
  if (!quarantine_object_) SLUICE_TRY(OpenQuarantinePart());
  quarantine_buffer_.append("{\"reason\":");
  AppendJsonString(quarantine_buffer_, reason);
  quarantine_buffer_.append(",\"raw_key\":");
  AppendJsonString(quarantine_buffer_, raw_key);
  fmt::format_to(std::back_inserter(quarantine_buffer_), ",\"index\":{}", index);
  AppendRecordJson(raw_json);
  quarantine_buffer_.append("}\n");
  ++quarantine_lines_;
  if (quarantine_buffer_.size() < options_.write_buffer_bytes) return OkStatus();
  Status written = quarantine_object_->Write(quarantine_buffer_);
  if (!written) return std::move(written).error().AddContext(quarantine_parts_.back());
  quarantine_buffer_.clear();
  return OkStatus();
}

// The record minified on one line; re-read with simdjson, which also proves
// it is valid JSON (On-Demand left the fields it did not need unchecked).
void PartitionWriter::AppendRecordJson(std::string_view raw_json) {
  record_buffer_.assign(raw_json);
  record_buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
  const size_t mark = quarantine_buffer_.size();
  quarantine_buffer_.append(",\"record\":");
  simdjson::ondemand::document doc;
  bool has_nul = false;
  simdjson::error_code error =
      record_parser_.iterate(record_buffer_.data(), raw_json.size(), record_buffer_.size())
          .get(doc);
  bool is_scalar = false;
  if (!error) error = doc.is_scalar().get(is_scalar);
  if (!error) error = AppendJsonValue(doc, quarantine_buffer_, has_nul);
  if (!error && is_scalar) {
    // A scalar document is never "consumed": compare its token with the text.
    std::string_view token;
    error = doc.raw_json_token().get(token);
    if (!error && TrimJsonWhitespace(token).size() != raw_json.size()) {
      error = simdjson::TRAILING_CONTENT;
    }
  } else if (!error && HasTrailingContent(doc)) {
    error = simdjson::TRAILING_CONTENT;
  }
  if (error) {
    quarantine_buffer_.resize(mark);
    quarantine_buffer_.append(",\"record_text\":");
    AppendJsonString(quarantine_buffer_, raw_json);
  }
}

Status PartitionWriter::OpenQuarantinePart() {
  std::string key = fmt::format("{}quarantine/part-{:05}.jsonl", prefix_, quarantine_parts_.size());
  SLUICE_ASSIGN_OR_RETURN(quarantine_object_, store_.Create(key));
  quarantine_parts_.push_back(std::move(key));
  quarantine_lines_ = 0;
  return OkStatus();
}

Status PartitionWriter::CloseQuarantinePart() {
  Status closed = quarantine_object_->Write(quarantine_buffer_);
  if (closed) closed = quarantine_object_->Commit();
  if (!closed) return std::move(closed).error().AddContext(quarantine_parts_.back());
  bytes_written_ += quarantine_object_->bytes_written();
  quarantine_buffer_.clear();
  quarantine_object_.reset();
  return OkStatus();
}

Status PartitionWriter::Finish() {
  if (csv_) SLUICE_TRY(CloseCsvPart());
  if (quarantine_object_) SLUICE_TRY(CloseQuarantinePart());
  return OkStatus();
}

}  // namespace sluice::transform
