#include "routing/normalize_path.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace rampart::routing {
namespace {

struct Case {
  const char* in;
  const char* out;
};

TEST(NormalizePathTest, AlreadyNormalPathsAreUnchanged) {
  for (const char* path : {"/", "/a", "/a/", "/a/b", "/a/b/", "/a.b/c-d_e~f", "/%2F", "/%00",
                           "/a%20b", "/..a/b..", "/.a/a.", "/...", "/a;b=c", "/a:b@c!$&'()*+,="}) {
    EXPECT_EQ(NormalizePath(path), std::optional<std::string>(path)) << path;
  }
}

TEST(NormalizePathTest, DotSegmentsAreRemoved) {
  for (const Case& c :
       {Case{"/.", "/"}, Case{"/./", "/"}, Case{"/a/.", "/a/"}, Case{"/a/./b", "/a/b"},
        Case{"/a/b/..", "/a/"}, Case{"/a/b/../", "/a/"}, Case{"/a/b/../c", "/a/c"},
        Case{"/a/../..a", "/..a"}, Case{"/a/b/../../c", "/c"}, Case{"/a/..", "/"},
        Case{"/public/../admin", "/admin"}, Case{"/a/./../b/./c/..", "/b/"}}) {
    EXPECT_EQ(NormalizePath(c.in), std::optional<std::string>(c.out)) << c.in;
  }
}

TEST(NormalizePathTest, RepeatedSlashesAreMerged) {
  for (const Case& c : {Case{"//", "/"}, Case{"///a", "/a"}, Case{"/a//b", "/a/b"},
                        Case{"/a//", "/a/"}, Case{"//a//b//", "/a/b/"}}) {
    EXPECT_EQ(NormalizePath(c.in), std::optional<std::string>(c.out)) << c.in;
  }
}

TEST(NormalizePathTest, UnreservedEscapesAreDecodedOthersUpperCased) {
  for (const Case& c :
       {Case{"/%61%62c", "/abc"}, Case{"/%41%5A%30%39", "/AZ09"}, Case{"/%2d%2E%5f%7e", "/-._~"},
        Case{"/%2f", "/%2F"}, Case{"/a%2fb", "/a%2Fb"}, Case{"/%3b%3F%23", "/%3B%3F%23"},
        Case{"/%c3%a9", "/%C3%A9"}, Case{"/%25", "/%25"},
        Case{"/%2541", "/%2541"}}) {  // no double decoding
    EXPECT_EQ(NormalizePath(c.in), std::optional<std::string>(c.out)) << c.in;
  }
}

TEST(NormalizePathTest, EscapedDotSegmentsAreRemovedToo) {
  for (const Case& c :
       {Case{"/a/%2e%2e/b", "/b"}, Case{"/a/%2E%2E/b", "/b"}, Case{"/a/.%2e/b", "/b"},
        Case{"/a/%2e/b", "/a/b"}, Case{"/api/%2e%2e/admin", "/admin"}}) {
    EXPECT_EQ(NormalizePath(c.in), std::optional<std::string>(c.out)) << c.in;
  }
  // An escaped slash is data, not a separator: it does not make ".." segments.
  EXPECT_EQ(NormalizePath("/a/..%2fb"), std::optional<std::string>("/a/..%2Fb"));
}

TEST(NormalizePathTest, RefusesNonRootedMalformedAndClimbingPaths) {
  for (const char* path : {"",      "a",     "a/b",      "*",     "http://h/", "/..",
                           "/../",  "/../a", "/a/../..", "/./..", "/%2e%2e",   "/a/%2E%2E/%2e%2e/b",
                           "/%",    "/%4",   "/%4g",     "/%g4",  "/a%",       "/a%2",
                           "/%%41", "/% 41"}) {
    EXPECT_EQ(NormalizePath(path), std::nullopt) << path;
  }
}

TEST(NormalizePathTest, ResultIsAFixedPoint) {
  for (const char* path :
       {"/a/./b/../c//d/", "/%2e%2E/x/..", "/x/%2E%2e/y", "/%7e%2f%2E", "//..a/./%41/"}) {
    const std::optional<std::string> once = NormalizePath(path);
    if (!once) continue;
    EXPECT_EQ(NormalizePath(*once), once) << path;
  }
}

}  // namespace
}  // namespace rampart::routing
