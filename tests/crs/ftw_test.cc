#include "crs/ftw_test.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace rampart::crs {
namespace {

// A format error at a node; turned into "name:line:col: message" at the top.
struct FormatError : std::runtime_error {
  FormatError(const YAML::Mark& m, const std::string& what) : std::runtime_error(what), mark(m) {}
  YAML::Mark mark;
};

int LineOf(const YAML::Node& node) { return node.Mark().line + 1; }

std::string Where(const std::string& name, const YAML::Node& node) {
  return name + ":" + std::to_string(LineOf(node));
}

// A scalar as text; null (`key:` with nothing) is the empty string, as Go's yaml gives "".
std::string Text(const YAML::Node& node, const std::string& what) {
  if (node.IsNull()) return "";
  if (!node.IsScalar()) throw FormatError(node.Mark(), what + ": expected a string");
  return node.Scalar();
}

bool Bool(const YAML::Node& node, const std::string& what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    throw FormatError(node.Mark(), what + ": expected true or false");
  }
  return value;
}

int Int(const YAML::Node& node, const std::string& what) {
  int value = 0;
  if (!node.IsScalar() || !YAML::convert<int>::decode(node, value)) {
    throw FormatError(node.Mark(), what + ": expected an integer");
  }
  return value;
}

std::vector<int> IntList(const YAML::Node& node, const std::string& what) {
  std::vector<int> out;
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(Int(item, what));
  } else {
    out.push_back(Int(node, what));
  }
  return out;
}

void RequireMap(const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) throw FormatError(node.Mark(), what + ": expected a mapping");
}

FtwInput ReadInput(const YAML::Node& node, const std::string& name,
                   std::vector<std::string>* warn) {
  RequireMap(node, "input");
  FtwInput in;
  in.line = LineOf(node);
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    in.keys.push_back(key);
    const std::string what = "input." + key;
    if (key == "dest_addr") {
      in.dest_addr = Text(v, what);
    } else if (key == "port") {
      in.port = Int(v, what);
    } else if (key == "protocol") {
      in.protocol = Text(v, what);
    } else if (key == "method") {
      in.method = Text(v, what);
    } else if (key == "uri") {
      in.uri = Text(v, what);
    } else if (key == "version") {
      in.version = Text(v, what);
    } else if (key == "headers") {
      if (v.IsNull()) continue;
      RequireMap(v, what);
      std::set<std::string> seen;
      for (const auto& h : v) {
        FtwHeader header{Text(h.first, what), Text(h.second, what + "." + h.first.Scalar())};
        if (!seen.insert(header.name).second) {
          warn->push_back(Where(name, h.first) + ": duplicate header " + header.name +
                          " (kept; go-ftw would refuse the file)");
        }
        in.headers.push_back(std::move(header));
      }
    } else if (key == "data") {
      if (v.IsSequence()) {
        // A list of lines joined with CRLF, without a trailing CRLF.
        std::string joined;
        bool first = true;
        for (const auto& line : v) {
          if (!first) joined += "\r\n";
          joined += Text(line, what);
          first = false;
        }
        in.data = std::move(joined);
        in.data_was_list = true;
      } else {
        in.data = Text(v, what);
      }
    } else if (key == "encoded_request") {
      in.encoded_request = Text(v, what);
    } else if (key == "raw_request") {
      in.raw_request = Text(v, what);
    } else if (key == "autocomplete_headers") {
      in.autocomplete_headers = Bool(v, what);
    } else if (key == "stop_magic") {
      in.stop_magic = Bool(v, what);
    } else if (key == "save_cookie") {
      in.save_cookie = Bool(v, what);
    } else {
      warn->push_back(Where(name, kv.first) + ": unknown key " + what);
    }
  }
  return in;
}

FtwOutput ReadOutput(const YAML::Node& node, const std::string& name,
                     std::vector<std::string>* warn) {
  FtwOutput out;
  out.line = LineOf(node);
  if (node.IsNull()) return out;
  RequireMap(node, "output");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    out.keys.push_back(key);
    const std::string what = "output." + key;
    if (key == "status") {
      out.status = IntList(v, what);
    } else if (key == "log_contains") {
      out.log_contains = Text(v, what);
    } else if (key == "no_log_contains") {
      out.no_log_contains = Text(v, what);
    } else if (key == "response_contains") {
      out.response_contains = Text(v, what);
    } else if (key == "expect_error") {
      out.expect_error = Bool(v, what);
    } else if (key == "log") {
      RequireMap(v, what);
      FtwLogExpect log;
      for (const auto& lkv : v) {
        const std::string lkey = lkv.first.Scalar();
        const std::string lwhat = what + "." + lkey;
        if (lkey == "expect_ids") {
          log.expect_ids = IntList(lkv.second, lwhat);
        } else if (lkey == "no_expect_ids") {
          log.no_expect_ids = IntList(lkv.second, lwhat);
        } else if (lkey == "match_regex") {
          log.match_regex = Text(lkv.second, lwhat);
        } else if (lkey == "no_match_regex") {
          log.no_match_regex = Text(lkv.second, lwhat);
        } else {
          warn->push_back(Where(name, lkv.first) + ": unknown key " + lwhat);
        }
      }
      out.log = std::move(log);
    } else {
      warn->push_back(Where(name, kv.first) + ": unknown key " + what);
    }
  }
  return out;
}

FtwStage ReadStage(const YAML::Node& item, const std::string& name,
                   std::vector<std::string>* warn) {
  RequireMap(item, "stage");
  // Old format: `- stage: {input, output}`; go-ftw v1 also accepts `- {input, output}`.
  const YAML::Node stage_node = item["stage"] ? item["stage"] : item;
  RequireMap(stage_node, "stage");
  FtwStage stage;
  stage.line = LineOf(stage_node);
  const YAML::Node input = stage_node["input"];
  if (!input) throw FormatError(stage_node.Mark(), "stage: missing input");
  stage.input = ReadInput(input, name, warn);
  const YAML::Node output = stage_node["output"];
  if (!output) throw FormatError(stage_node.Mark(), "stage: missing output");
  stage.output = ReadOutput(output, name, warn);
  return stage;
}

FtwFile ReadFile(const YAML::Node& root, const std::string& name) {
  FtwFile file;
  file.path = name;
  RequireMap(root, "test file");
  if (const YAML::Node meta = root["meta"]) {
    RequireMap(meta, "meta");
    for (const auto& kv : meta) {
      const std::string key = kv.first.Scalar();
      if (key == "author") {
        file.meta.author = Text(kv.second, "meta.author");
      } else if (key == "description") {
        file.meta.description = Text(kv.second, "meta.description");
      } else if (key == "name") {
        file.meta.name = Text(kv.second, "meta.name");
      } else if (key == "enabled") {
        file.meta.enabled = Bool(kv.second, "meta.enabled");
      } else {
        file.warnings.push_back(Where(name, kv.first) + ": unknown key meta." + key);
      }
    }
  }
  const YAML::Node tests = root["tests"];
  if (!tests || !tests.IsSequence()) throw FormatError(root.Mark(), "tests: expected a list");
  for (const auto& t : tests) {
    RequireMap(t, "test");
    FtwTest test;
    test.line = LineOf(t);
    for (const auto& kv : t) {
      const std::string key = kv.first.Scalar();
      if (key == "test_title") {
        test.title = Text(kv.second, "test_title");
      } else if (key == "desc") {
        test.desc = Text(kv.second, "desc");
      } else if (key == "stages") {
        if (!kv.second.IsSequence()) throw FormatError(kv.second.Mark(), "stages: expected a list");
        for (const auto& s : kv.second) test.stages.push_back(ReadStage(s, name, &file.warnings));
      } else {
        file.warnings.push_back(Where(name, kv.first) + ": unknown key " + key);
      }
    }
    if (test.title.empty()) throw FormatError(t.Mark(), "test: missing test_title");
    if (test.stages.empty()) throw FormatError(t.Mark(), "test " + test.title + ": no stages");
    file.tests.push_back(std::move(test));
  }
  return file;
}

std::string Located(const std::string& name, const YAML::Mark& mark, const std::string& what) {
  return name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
         what;
}

}  // namespace

core::Result<FtwFile> ParseFtwString(const std::string& yaml, const std::string& name) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    return ReadFile(root, name);
  } catch (const FormatError& e) {
    return core::MakeError(Located(name, e.mark, e.what()));
  } catch (const YAML::Exception& e) {
    return core::MakeError(Located(name, e.mark, e.msg));
  }
}

core::Result<FtwFile> ParseFtwFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::MakeError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseFtwString(text.str(), path);
}

core::Result<std::vector<FtwFile>> ParseFtwDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return core::MakeError(dir + ": not a directory");
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string ext = it->path().extension().string();
    if (ext == ".yaml" || ext == ".yml") paths.push_back(it->path().string());
  }
  if (ec) return core::MakeError(dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  std::vector<FtwFile> files;
  for (const auto& path : paths) {
    auto file = ParseFtwFile(path);
    if (!file) return file.error();
    files.push_back(std::move(file.value()));
  }
  return files;
}

std::map<std::string, int> CountFeatures(const std::vector<FtwFile>& files) {
  std::map<std::string, int> counts;
  for (const auto& file : files) {
    ++counts["files"];
    if (!file.meta.enabled) ++counts["files.disabled"];
    for (const auto& test : file.tests) {
      ++counts["tests"];
      if (!file.meta.enabled) ++counts["tests.disabled"];
      if (test.stages.size() > 1) ++counts["tests.multi_stage"];
      for (const auto& stage : test.stages) {
        ++counts["stages"];
        const FtwInput& in = stage.input;
        for (const auto& key : in.keys) ++counts["input." + key];
        for (const auto& key : stage.output.keys) ++counts["output." + key];
        if (in.data_was_list) ++counts["data.list"];
        if (!in.AutocompleteHeaders()) ++counts["autocomplete.off"];
        if (!in.encoded_request && !in.raw_request) {
          ++counts["version=" + in.Version()];
          ++counts["method=" + in.Method()];
        }
        if (stage.output.status.size() > 1) ++counts["output.status.list"];
      }
    }
  }
  return counts;
}

}  // namespace rampart::crs
