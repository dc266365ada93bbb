#include "warehouse/warehouse.h"

#include <cctype>

#include "warehouse/pg_conn.h"
#include "warehouse/pg_warehouse.h"

namespace sluice::warehouse {
namespace {

constexpr std::string_view kKnownSchemes = "postgresql://, postgres://";

bool IsPostgresScheme(std::string_view scheme) {
  return scheme == "postgresql" || scheme == "postgres";
}

// A value in a libpq "key=value" connection string: quoted, with ' and \ escaped.
std::string ConnInfoValue(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

// The Url's parts as libpq keywords, so values stay exact whatever they hold.
std::string ConnInfoOf(const Url& url) {
  std::string host = PercentDecode(url.host);  // "%2Fvar%2Frun%2Fpostgresql": a socket folder
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string conninfo;
  auto add = [&conninfo](std::string_view keyword, std::string_view value) {
    if (!conninfo.empty()) conninfo.push_back(' ');
    conninfo += fmt::format("{}={}", keyword, ConnInfoValue(value));
  };
  if (!host.empty()) add("host", host);
  if (url.port) add("port", std::to_string(*url.port));
  if (!url.user.empty()) add("user", url.user);
  if (url.has_password) add("password", url.password);
  if (url.path.size() > 1) add("dbname", std::string_view(url.path).substr(1));
  for (const auto& [keyword, value] : url.query) add(keyword, value);
  return conninfo;
}

}  // namespace

Result<std::unique_ptr<Warehouse>> OpenWarehouse(std::string_view url) {
  if (size_t scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    std::string scheme(url.substr(0, scheme_end));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!IsPostgresScheme(scheme)) {
      return Error::InvalidArgument("warehouse URL '{}': unknown scheme '{}', known: {}",
                                    MaskUrlCredentials(url), scheme, kKnownSchemes);
    }
  } else if (url.find('=') == std::string_view::npos) {
    return Error::InvalidArgument(
        "warehouse connection '{}' is neither a URL ({}) nor a libpq key=value string", url,
        kKnownSchemes);
  }
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, PgConn::Connect(url));
  return std::unique_ptr<Warehouse>(new PgWarehouse(std::move(conn)));
}

Result<std::unique_ptr<Warehouse>> OpenWarehouse(const Url& url) {
  if (!IsPostgresScheme(url.scheme)) {
    return Error::InvalidArgument("warehouse URL '{}': unknown scheme '{}', known: {}",
                                  url.ToString(), url.scheme, kKnownSchemes);
  }
  if (url.has_password) RegisterSecret(url.password);
  return OpenWarehouse(ConnInfoOf(url));
}

}  // namespace sluice::warehouse
