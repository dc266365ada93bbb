// ISO 8601 dates and date-times as the timestamp and date casts read them.
#pragma once

#include <string>
#include <string_view>

namespace sluice::transform {

// "YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)f...]]][Z|z|±HH[[:]MM]]" -> UTC
// "YYYY-MM-DD HH:MM:SS[.ffffff]+00" appended to out. A missing offset means
// UTC. Returns false when text is not such a date-time or names an impossible
// instant (month 13, February 30, hour 24, an offset past ±23:59).
bool AppendIsoTimestampUtc(std::string_view text, std::string& out);

// "YYYY-MM-DD", or a date-time as above whose date is taken as written,
// appended as "YYYY-MM-DD". Returns false otherwise.
bool AppendIsoDate(std::string_view text, std::string& out);

}  // namespace sluice::transform
