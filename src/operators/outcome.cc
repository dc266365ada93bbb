#include <nlohmann/json.hpp>

#include "operators/operators.h"

namespace sluice::operators {

std::string TaskOutcome::ToJson() const {
  nlohmann::json items_json = nlohmann::json::array();
  for (const ItemOutcome& item : items) {
    items_json.push_back({{"item", item.item},
                          {"records", item.records},
                          {"bytes", item.bytes},
                          {"detail", item.detail}});
  }
  nlohmann::json out = {{"records_in", records_in},
                        {"records_out", records_out},
                        {"bytes_in", bytes_in},
                        {"bytes_out", bytes_out},
                        {"http_requests", http_requests},
                        {"http_retries", http_retries},
                        {"items", std::move(items_json)},
                        {"object_keys", object_keys},
                        {"notes", notes}};
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sluice::operators
