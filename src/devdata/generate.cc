#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "devdata/devdata.h"

namespace sluice::devdata {
namespace {

constexpr std::string_view kWords[] = {
    "sunt",    "aut",      "facere",  "repellat", "provident", "occaecati", "excepturi", "optio",
    "reprehenderit", "qui", "est",    "esse",     "dolorem",   "ipsum",     "quia",      "eum",
    "voluptate", "nesciunt", "magnam", "ea",      "rerum",     "tempore",   "vitae",     "sequi",
    "odit",    "illum",    "nisi",    "fugiat",   "molestiae", "accusamus", "beatae",    "velit"};
constexpr std::string_view kFirstNames[] = {"Leanne", "Ervin",   "Clementine", "Patricia", "Chelsey",
                                            "Dennis", "Kurtis",  "Nicholas",   "Glenna",   "Clementina"};
constexpr std::string_view kLastNames[] = {"Graham",   "Howell",    "Bauch",     "Lebsack", "Dietrich",
                                           "Schulist", "Weissnat",  "Runolfsdottir", "Reichert", "DuBuque"};
constexpr std::string_view kCities[] = {"Gwenborough", "Wisokyburgh", "McKenziehaven", "South Elvis",
                                        "Roscoeview",  "South Christy", "Howemouth",   "Aliyaview"};
constexpr std::string_view kDomains[] = {"april.biz", "melissa.tv", "yesenia.net", "kory.org",
                                         "annie.ca",  "jasper.info", "billy.biz",  "rosamond.me"};

// splitmix64: a tiny, well-mixed, seedable generator; the data only has to be
// stable across runs and machines, not random.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

template <size_t N>
std::string_view Pick(const std::string_view (&list)[N], uint64_t seed) {
  return list[seed % N];
}

void AppendWords(std::string& out, uint64_t seed, int count) {
  for (int i = 0; i < count; ++i) {
    if (i > 0) out += ' ';
    out += Pick(kWords, Mix(seed + static_cast<uint64_t>(i)));
  }
}

// A body of four lines joined by "\n", as the public API's post and comment bodies.
void AppendBody(std::string& out, uint64_t seed) {
  for (int line = 0; line < 4; ++line) {
    if (line > 0) out += "\\n";
    AppendWords(out, Mix(seed * 31 + static_cast<uint64_t>(line)), 6 + static_cast<int>(seed % 3));
  }
}

void AppendColor(std::string& out, uint64_t seed) {
  out += fmt::format("{:06x}", seed & 0xFFFFFF);
}

void WriteUser(std::string& out, int64_t id) {
  uint64_t seed = Mix(static_cast<uint64_t>(id));
  std::string_view first = kFirstNames[(id - 1) % 10];
  std::string_view last = Pick(kLastNames, seed);
  double lat = static_cast<double>(Mix(seed + 1) % 1800000) / 10000.0 - 90.0;
  double lng = static_cast<double>(Mix(seed + 2) % 3600000) / 10000.0 - 180.0;
  out += fmt::format(
      R"({{"id":{},"name":"{} {}","username":"{}{}","email":"{}.{}@{}",)"
      R"("address":{{"street":"{} Light","suite":"Apt. {}","city":"{}","zipcode":"{:05}-{:04}",)"
      R"("geo":{{"lat":"{:.4f}","lng":"{:.4f}"}}}},"phone":"1-770-736-{:04} x{}","website":"{}.org",)"
      R"("company":{{"name":"{}-{}","catchPhrase":"Multi-layered {} neural-net","bs":"harness real-time {}"}}}})",
      id, first, last, first, id, first, last, Pick(kDomains, seed), Pick(kWords, seed >> 8),
      seed % 1000, Pick(kCities, seed >> 16), seed % 100000, (seed >> 20) % 10000, lat, lng,
      (seed >> 24) % 10000, (seed >> 32) % 100000, Pick(kWords, seed >> 40), last,
      Pick(kLastNames, seed >> 44), Pick(kWords, seed >> 48), Pick(kWords, seed >> 52));
}

}  // namespace

ResourceCounts CountsAtScale(int64_t scale) {
  return {10 * scale, 100 * scale, 500 * scale, 100 * scale, 5000 * scale, 200 * scale};
}

void WriteRecord(std::string& out, std::string_view resource, int64_t id, int64_t /*scale*/) {
  uint64_t seed = Mix(static_cast<uint64_t>(id) * 131 + resource.size());
  if (resource == "users") {
    WriteUser(out, id);
  } else if (resource == "posts") {
    out += fmt::format(R"({{"userId":{},"id":{},"title":")", (id - 1) / 10 + 1, id);
    AppendWords(out, seed, 4 + static_cast<int>(seed % 5));
    out += R"(","body":")";
    AppendBody(out, seed);
    out += "\"}";
  } else if (resource == "comments") {
    out += fmt::format(R"({{"postId":{},"id":{},"name":")", (id - 1) / 5 + 1, id);
    AppendWords(out, seed, 3 + static_cast<int>(seed % 4));
    out += fmt::format(R"(","email":"{}_{}@{}","body":")", Pick(kFirstNames, seed >> 8), id,
                       Pick(kDomains, seed >> 16));
    AppendBody(out, seed);
    out += "\"}";
  } else if (resource == "albums") {
    out += fmt::format(R"({{"userId":{},"id":{},"title":")", (id - 1) / 10 + 1, id);
    AppendWords(out, seed, 2 + static_cast<int>(seed % 4));
    out += "\"}";
  } else if (resource == "photos") {
    out += fmt::format(R"({{"albumId":{},"id":{},"title":")", (id - 1) / 50 + 1, id);
    AppendWords(out, seed, 3 + static_cast<int>(seed % 5));
    out += R"(","url":"https://via.placeholder.com/600/)";
    AppendColor(out, seed >> 8);
    out += R"(","thumbnailUrl":"https://via.placeholder.com/150/)";
    AppendColor(out, seed >> 8);
    out += "\"}";
  } else if (resource == "todos") {
    out += fmt::format(R"({{"userId":{},"id":{},"title":")", (id - 1) / 20 + 1, id);
    AppendWords(out, seed, 2 + static_cast<int>(seed % 5));
    out += fmt::format(R"(","completed":{}}})", (seed >> 12) % 2 == 0 ? "true" : "false");
  }
}

namespace {

int64_t CountOf(const ResourceCounts& counts, std::string_view resource) {
  if (resource == "users") return counts.users;
  if (resource == "posts") return counts.posts;
  if (resource == "comments") return counts.comments;
  if (resource == "albums") return counts.albums;
  if (resource == "photos") return counts.photos;
  return counts.todos;
}

struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Writes to path.tmp and renames, so a reader never sees half a file.
class AtomicFile {
 public:
  static Result<AtomicFile> Create(const std::string& path) {
    std::string temp = path + ".tmp";
    File file(std::fopen(temp.c_str(), "wb"));
    if (!file) return Error::Unavailable("cannot write {}: {}", temp, std::strerror(errno));
    return AtomicFile(path, temp, std::move(file));
  }
  Status Write(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) {
      return Error::Unavailable("cannot write {}: {}", temp_, std::strerror(errno));
    }
    return {};
  }
  Status Commit() {
    if (std::fclose(file_.release()) != 0 || std::rename(temp_.c_str(), path_.c_str()) != 0) {
      return Error::Unavailable("cannot write {}: {}", path_, std::strerror(errno));
    }
    return {};
  }

 private:
  AtomicFile(std::string path, std::string temp, File file)
      : path_(std::move(path)), temp_(std::move(temp)), file_(std::move(file)) {}
  std::string path_, temp_;
  File file_;
};

}  // namespace

Status WriteDatabase(const std::string& path, int64_t scale) {
  if (scale < 1) return Error::InvalidArgument("scale must be at least 1, got {}", scale);
  SLUICE_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(path));
  ResourceCounts counts = CountsAtScale(scale);
  std::string buffer;
  buffer.reserve(1 << 20);
  buffer += "{";
  bool first_resource = true;
  for (std::string_view resource : kResources) {
    buffer += fmt::format("{}\n\"{}\": [", first_resource ? "" : ",", resource);
    first_resource = false;
    int64_t count = CountOf(counts, resource);
    for (int64_t id = 1; id <= count; ++id) {
      buffer += id == 1 ? "\n" : ",\n";
      WriteRecord(buffer, resource, id, scale);
      if (buffer.size() > (1 << 20)) {
        SLUICE_TRY(file.Write(buffer));
        buffer.clear();
      }
    }
    buffer += "\n]";
  }
  buffer += "\n}\n";
  SLUICE_TRY(file.Write(buffer));
  return file.Commit();
}

Result<int64_t> WritePages(const std::string& folder, int64_t scale, int64_t page_size) {
  if (scale < 1 || page_size < 1) {
    return Error::InvalidArgument("scale and page size must be at least 1");
  }
  ResourceCounts counts = CountsAtScale(scale);
  int64_t files = 0;
  std::string buffer;
  for (std::string_view resource : kResources) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(folder) / resource, ec);
    if (ec) return Error::Unavailable("cannot create {}/{}: {}", folder, resource, ec.message());
    int64_t count = CountOf(counts, resource);
    for (int64_t first = 1, page = 1; first <= count; first += page_size, ++page) {
      buffer = "[";
      for (int64_t id = first; id < first + page_size && id <= count; ++id) {
        buffer += id == first ? "\n" : ",\n";
        WriteRecord(buffer, resource, id, scale);
      }
      buffer += "\n]\n";
      SLUICE_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(fmt::format(
                                                   "{}/{}/{}.json", folder, resource, page)));
      SLUICE_TRY(file.Write(buffer));
      SLUICE_TRY(file.Commit());
      ++files;
    }
  }
  return files;
}

}  // namespace sluice::devdata
