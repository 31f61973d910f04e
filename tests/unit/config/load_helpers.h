#pragma once
// Helpers shared by the configuration loader tests: load a YAML text as "t.yaml" and get the
// config or the error messages.

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "config/loader.h"

namespace rampart::config::test_util {

// Loads `yaml` as "t.yaml" and returns the config, failing the test on any error.
inline Config Load(const std::string& yaml) {
  LoadResult result = LoadString(yaml, "t.yaml");
  if (const auto* errors = std::get_if<LoadErrors>(&result)) {
    std::string all;
    for (const std::string& e : errors->errors) all += e + "\n";
    ADD_FAILURE() << "unexpected errors:\n" << all;
    return Config{};
  }
  return std::get<Config>(std::move(result));
}

// Loads `yaml` as "t.yaml" and returns its errors (none when it loaded).
inline std::vector<std::string> Errors(const std::string& yaml) {
  LoadResult result = LoadString(yaml, "t.yaml");
  if (const auto* errors = std::get_if<LoadErrors>(&result)) return errors->errors;
  return {};
}

}  // namespace rampart::config::test_util
