#include "fastpath/json_arguments.h"

#include <yajl/yajl_parse.h>

#include <memory>
#include <utility>

// The naming and the limits below are libmodsecurity 3.0.9's (its request_body_processor/json.cc
// on yajl 2.1.0), each checked against the library: the unit test compares the arguments with the
// transaction's own.
namespace rampart::fastpath {
namespace {

struct Container {
  std::string name;  // the key it was opened under ("json" at the top, "" inside an array)
  bool array = false;
  size_t index = 0;  // an array's next element
};

struct Parse {
  size_t depth_limit;
  size_t max_arguments;
  std::vector<Container> open;
  std::string key;  // the pending object key
  std::vector<JsonArgument> arguments;
  bool too_deep = false;
  bool too_many = false;

  // The name a value or container opened now gets from its parent: the pending key inside an
  // object ("empty-key" for ""), nothing inside an array, "json" at the top.
  std::string TakeKey() {
    if (open.empty()) return "json";
    if (open.back().array) return {};
    std::string k = key.empty() ? std::string("empty-key") : std::move(key);
    key.clear();
    return k;
  }

  int Add(std::string value) {
    if (arguments.size() >= max_arguments) {
      too_many = true;
      return 0;
    }
    std::string name;
    for (const Container& c : open) {
      name += c.name;
      name += c.array ? ".array_" + std::to_string(c.index) : std::string(".");
    }
    name += TakeKey();
    if (!open.empty() && open.back().array) ++open.back().index;
    arguments.push_back({std::move(name), std::move(value)});
    return 1;
  }

  int Open(bool array) {
    if (open.size() + 1 > depth_limit) {
      too_deep = true;
      return 0;
    }
    std::string name = TakeKey();
    open.push_back({std::move(name), array, 0});
    return 1;
  }

  int Close() {
    open.pop_back();
    if (!open.empty() && open.back().array) ++open.back().index;  // an empty one still counts
    return 1;
  }
};

Parse& Of(void* ctx) { return *static_cast<Parse*>(ctx); }

int OnNull(void* ctx) { return Of(ctx).Add({}); }
int OnBoolean(void* ctx, int value) { return Of(ctx).Add(value != 0 ? "true" : "false"); }
int OnNumber(void* ctx, const char* text, size_t length) {
  return Of(ctx).Add(std::string(text, length));  // the source text, as libmodsecurity keeps it
}
int OnString(void* ctx, const unsigned char* text, size_t length) {
  return Of(ctx).Add(std::string(reinterpret_cast<const char*>(text), length));
}
int OnStartMap(void* ctx) { return Of(ctx).Open(false); }
int OnMapKey(void* ctx, const unsigned char* text, size_t length) {
  Of(ctx).key.assign(reinterpret_cast<const char*>(text), length);
  return 1;
}
int OnStartArray(void* ctx) { return Of(ctx).Open(true); }
int OnEnd(void* ctx) { return Of(ctx).Close(); }

constexpr yajl_callbacks kCallbacks = {
    OnNull,     OnBoolean, nullptr, nullptr,      OnNumber, OnString,
    OnStartMap, OnMapKey,  OnEnd,   OnStartArray, OnEnd,
};

}  // namespace

core::Result<std::vector<JsonArgument>> ParseJsonArguments(std::string_view body,
                                                           size_t depth_limit,
                                                           size_t max_arguments) {
  if (body.empty()) return std::vector<JsonArgument>();  // libmodsecurity parses nothing then
  Parse parse{depth_limit, max_arguments, {}, {}, {}, false, false};
  std::unique_ptr<yajl_handle_t, void (*)(yajl_handle)> handle(
      yajl_alloc(&kCallbacks, nullptr, &parse), yajl_free);
  if (!handle) return core::MakeError("json: out of memory");
  // libmodsecurity's only setting; yajl's defaults do the rest (no comments, one value, UTF-8
  // checked).
  yajl_config(handle.get(), yajl_allow_partial_values, 0);
  yajl_status status =
      yajl_parse(handle.get(), reinterpret_cast<const unsigned char*>(body.data()), body.size());
  if (status == yajl_status_ok) status = yajl_complete_parse(handle.get());
  if (status == yajl_status_ok) return std::move(parse.arguments);
  if (parse.too_deep) return core::MakeError("json: nesting deeper than the depth limit");
  if (parse.too_many) return core::MakeError("json: more arguments than SecArgumentsLimit");
  unsigned char* message = yajl_get_error(handle.get(), 0, nullptr, 0);
  std::string text = message != nullptr ? reinterpret_cast<const char*>(message) : "parse error";
  if (message != nullptr) yajl_free_error(handle.get(), message);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return core::MakeError("json: " + text);
}

}  // namespace rampart::fastpath
