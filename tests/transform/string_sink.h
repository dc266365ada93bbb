// An ObjectWriter into a string: the sink for CsvWriter unit tests.
#pragma once

#include <string>

#include "lake/lake.h"

namespace sluice::transform::testing {

class StringObjectWriter final : public lake::ObjectWriter {
 public:
  Status Write(std::string_view bytes) override {
    if (committed) return Error::FailedPrecondition("write after commit");
    ++writes;
    data.append(bytes);
    return OkStatus();
  }
  Status Commit() override {
    committed = true;
    return OkStatus();
  }
  uint64_t bytes_written() const override { return data.size(); }

  std::string data;
  int writes = 0;
  bool committed = false;
};

}  // namespace sluice::transform::testing
