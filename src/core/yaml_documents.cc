// LoadSingleDocument, declared in pipeline_yaml.h.
#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <vector>

#include "core/pipeline_yaml.h"

namespace sluice::loader {
namespace {

// Records where each document of a stream starts and whether it is nothing
// but a null, without building nodes.
class DocumentScanner final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark first_mark = YAML::Mark::null_mark();
    int events = 0;
    bool only_null = false;
  };

  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark&) override { documents_.emplace_back(); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Event(mark, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Event(mark, false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Event(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Event(mark, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Event(mark, false);
  }
  void OnMapEnd() override {}

 private:
  void Event(const YAML::Mark& mark, bool is_null) {
    if (documents_.empty()) documents_.emplace_back();
    Document& document = documents_.back();
    if (document.events++ == 0) {
      document.first_mark = mark;
      document.only_null = is_null;
    } else {
      document.only_null = false;
    }
  }

  std::vector<Document> documents_;
};

SourceLocation At(const YamlReader& reader, const YAML::Mark& mark) {
  if (mark.is_null()) return SourceLocation{reader.file(), 0, 0};
  return SourceLocation{reader.file(), mark.line + 1, mark.column + 1};
}

// yaml-cpp 0.7 does not consume a token it cannot start a node with (a ','
// or ']' at the top level): each document it reports is then a null at the
// same place, forever. Two such documents in a row mean exactly that.
std::optional<YAML::Mark> StuckAt(const std::vector<DocumentScanner::Document>& documents) {
  for (size_t i = 1; i < documents.size(); ++i) {
    const auto& previous = documents[i - 1];
    const auto& current = documents[i];
    if (previous.only_null && current.only_null &&
        previous.first_mark.pos == current.first_mark.pos) {
      return current.first_mark;
    }
  }
  return std::nullopt;
}

// Reads no more documents than needed to tell one from several.
Status CheckOneDocument(const YamlReader& reader, std::string_view text) {
  constexpr int kDocumentsToRead = 4;
  std::stringstream stream{std::string(text)};
  YAML::Parser parser(stream);
  DocumentScanner scanner;
  for (int i = 0; i < kDocumentsToRead && parser.HandleNextDocument(scanner); ++i) {
  }
  const std::vector<DocumentScanner::Document>& documents = scanner.documents();
  if (std::optional<YAML::Mark> stuck = StuckAt(documents)) {
    size_t pos = static_cast<size_t>(stuck->pos);
    std::string what = pos < text.size() ? Quote(text.substr(pos, 1)) : "end of file";
    return reader.Fail(At(reader, *stuck), "", "invalid YAML: unexpected {}", what);
  }
  if (documents.size() > 1) {
    return reader.Fail(At(reader, documents[1].first_mark), "",
                       "the file holds more than one YAML document; write one pipeline per file");
  }
  return OkStatus();
}

}  // namespace

Result<YAML::Node> LoadSingleDocument(const YamlReader& reader, std::string_view text) {
  YAML::Node document;
  try {
    SLUICE_TRY(CheckOneDocument(reader, text));
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return reader.Fail(At(reader, e.mark), "", "invalid YAML: {}", e.msg);
  }
  if (!document.IsDefined() || document.IsNull()) {
    return reader.Fail(SourceLocation{reader.file(), 1, 1}, "",
                       "the file is empty: a pipeline needs at least dag_id and tasks");
  }
  return document;
}

}  // namespace sluice::loader
