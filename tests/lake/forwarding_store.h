// An ObjectStore that hands every call to another one: the base of the test
// stores that change one behaviour (a failing writer, a short read, counts)
// and leave the rest to a real store.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lake/lake.h"

namespace sluice::lake::testing {

class ForwardingStore : public ObjectStore {
 public:
  explicit ForwardingStore(ObjectStore& inner) : inner_(inner) {}

  Result<std::unique_ptr<ObjectWriter>> Create(std::string_view key) override {
    return inner_.Create(key);
  }
  Result<std::unique_ptr<ObjectReader>> Open(std::string_view key) override {
    return inner_.Open(key);
  }
  Result<std::unique_ptr<ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                  uint64_t length) override {
    return inner_.OpenRange(key, offset, length);
  }
  Result<ObjectInfo> Head(std::string_view key) override { return inner_.Head(key); }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    return inner_.List(prefix);
  }
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override {
    return inner_.ListFolders(prefix);
  }
  Status Delete(std::string_view key) override { return inner_.Delete(key); }
  std::string Describe() const override { return inner_.Describe(); }

 protected:
  ObjectStore& inner() { return inner_; }

 private:
  ObjectStore& inner_;
};

}  // namespace sluice::lake::testing
