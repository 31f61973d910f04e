#include "static_files/static_root.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace rampart::static_files {
namespace {

namespace fs = std::filesystem;
using Kind = StaticLookup::Kind;

// 2023-11-14T22:13:20Z, set on the files whose ETag is checked.
constexpr int64_t kMtime = 1'700'000'000;

// Closes a looked-up file when the test is done with it.
struct Looked {
  explicit Looked(StaticLookup l) : lookup(std::move(l)) {}
  ~Looked() {
    if (lookup.fd >= 0) close(lookup.fd);
  }
  Looked(const Looked&) = delete;
  Looked& operator=(const Looked&) = delete;
  std::string Read() const {
    std::string out(lookup.size + 1, '\0');
    const ssize_t n = pread(lookup.fd, out.data(), out.size(), 0);
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
  }
  StaticLookup lookup;
};

class StaticRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "static-root-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    base_ = templ;
    root_ = base_ + "/root";
    // Beside the root, the targets of the escape attempts.
    Write(base_ + "/outside", "secret");
    fs::create_directories(root_ + "/a");
    fs::create_directories(root_ + "/docs");
    fs::create_directories(root_ + "/empty");
    fs::create_directories(root_ + "/fifodir");
    fs::create_directories(root_ + "/evil");
    fs::create_directories(root_ + "/.well-known");
    Write(root_ + "/index.html", "home");
    Write(root_ + "/style.CSS", "body{}");
    Write(root_ + "/a/b.txt", "bee");
    Write(root_ + "/a/.hidden", "h");
    Write(root_ + "/docs/index.htm", "docs");
    Write(root_ + "/fifodir/index.htm", "after the fifo");
    Write(root_ + "/.env", "PASSWORD=x");
    Write(root_ + "/.well-known/security.txt", "contact");
    Write(root_ + "/%2e%2e", "literal name");
    fs::create_symlink("a/b.txt", root_ + "/link.txt");
    fs::create_symlink("../index.html", root_ + "/a/up.html");
    fs::create_symlink("a", root_ + "/dirlink");
    fs::create_symlink("/etc/passwd", root_ + "/passwd");
    fs::create_symlink("../outside", root_ + "/escape");
    fs::create_symlink("..", root_ + "/parent");
    fs::create_symlink(root_ + "/index.html", root_ + "/absolute");
    fs::create_symlink("loop", root_ + "/loop");
    fs::create_symlink("/etc/passwd", root_ + "/evil/index.html");
    ASSERT_EQ(mkfifo((root_ + "/fifo").c_str(), 0644), 0);
    ASSERT_EQ(mkfifo((root_ + "/fifodir/index.html").c_str(), 0644), 0);
    SetMtime(root_ + "/a/b.txt", kMtime);
    Reopen(/*allow_hidden=*/false);
  }
  void TearDown() override { fs::remove_all(base_); }

  void Reopen(bool allow_hidden) {
    auto opened = StaticRoot::Open(root_, {"index.html", "index.htm"}, allow_hidden);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    root_handle_ = std::move(opened).value();
  }

  static void Write(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
  }

  static void SetMtime(const std::string& path, int64_t seconds) {
    const timespec times[2] = {{static_cast<time_t>(seconds), 0},
                               {static_cast<time_t>(seconds), 0}};
    ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  }

  Kind KindOf(std::string_view path) const {
    return Looked(root_handle_->Lookup(path)).lookup.kind;
  }

  std::string base_;
  std::string root_;
  std::shared_ptr<const StaticRoot> root_handle_;
};

TEST_F(StaticRootTest, OpensARegularFile) {
  Looked l(root_handle_->Lookup("/a/b.txt"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  ASSERT_GE(l.lookup.fd, 0);
  EXPECT_EQ(l.Read(), "bee");
  EXPECT_EQ(l.lookup.size, 3u);
  EXPECT_EQ(l.lookup.mtime, kMtime);
  EXPECT_EQ(l.lookup.content_type, "text/plain; charset=utf-8");
  char expected[64];
  std::snprintf(expected, sizeof expected, "\"%llx-3\"", static_cast<unsigned long long>(kMtime));
  EXPECT_EQ(l.lookup.etag, expected);
  EXPECT_EQ(l.lookup.etag, "\"6553f100-3\"");
  // An ordinary blocking, close-on-exec, read-only descriptor.
  const int flags = fcntl(l.lookup.fd, F_GETFL);
  EXPECT_EQ(flags & O_NONBLOCK, 0);
  EXPECT_EQ(flags & O_ACCMODE, O_RDONLY);
  EXPECT_NE(fcntl(l.lookup.fd, F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(StaticRootTest, ContentTypeComesFromTheName) {
  Looked l(root_handle_->Lookup("/style.CSS"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.lookup.content_type, "text/css; charset=utf-8");
}

TEST_F(StaticRootTest, EmptySegmentsAreMerged) {
  Looked l(root_handle_->Lookup("/a//b.txt"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.Read(), "bee");
}

TEST_F(StaticRootTest, MissingFilesAreNotFound) {
  EXPECT_EQ(KindOf("/missing"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/a/missing.txt"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/nodir/x"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/a/b.txt/x"), Kind::kNotFound);                 // through a file
  EXPECT_EQ(KindOf("/index.html/"), Kind::kNotFound);               // a file is not a directory
  EXPECT_EQ(KindOf("/" + std::string(300, 'x')), Kind::kNotFound);  // name too long
}

TEST_F(StaticRootTest, RootServesItsIndex) {
  Looked l(root_handle_->Lookup("/"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.Read(), "home");
  EXPECT_EQ(l.lookup.content_type, "text/html; charset=utf-8");
}

TEST_F(StaticRootTest, IndexFilesAreTriedInOrder) {
  Looked l(root_handle_->Lookup("/docs/"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.Read(), "docs");
  EXPECT_EQ(l.lookup.content_type, "text/html; charset=utf-8");
}

TEST_F(StaticRootTest, AnIndexThatIsNotARegularFileIsSkipped) {
  // index.html is a fifo here: skipped without blocking, index.htm served.
  Looked l(root_handle_->Lookup("/fifodir/"));
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.Read(), "after the fifo");
}

TEST_F(StaticRootTest, DirectoryWithoutIndexIsForbidden) {
  EXPECT_EQ(KindOf("/empty/"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/a/"), Kind::kForbidden);
}

TEST_F(StaticRootTest, AnIndexEscapingTheRootIsForbidden) {
  EXPECT_EQ(KindOf("/evil/"), Kind::kForbidden);
}

TEST_F(StaticRootTest, DirectoryWithoutSlashRedirects) {
  EXPECT_EQ(KindOf("/docs"), Kind::kDirectoryRedirect);
  EXPECT_EQ(KindOf("/empty"), Kind::kDirectoryRedirect);
  EXPECT_EQ(KindOf("/dirlink"), Kind::kDirectoryRedirect);
}

TEST_F(StaticRootTest, SymlinksInsideTheRootAreFollowed) {
  {
    Looked l(root_handle_->Lookup("/link.txt"));
    ASSERT_EQ(l.lookup.kind, Kind::kFile);
    EXPECT_EQ(l.Read(), "bee");
  }
  {
    Looked l(root_handle_->Lookup("/a/up.html"));
    ASSERT_EQ(l.lookup.kind, Kind::kFile);
    EXPECT_EQ(l.Read(), "home");
  }
  {
    Looked l(root_handle_->Lookup("/dirlink/b.txt"));
    ASSERT_EQ(l.lookup.kind, Kind::kFile);
    EXPECT_EQ(l.Read(), "bee");
  }
}

TEST_F(StaticRootTest, SymlinksOutOfTheRootAreForbidden) {
  EXPECT_EQ(KindOf("/passwd"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/escape"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/parent/outside"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/parent/root/index.html"), Kind::kForbidden);
  // Absolute symlinks are refused even when they point inside the root.
  EXPECT_EQ(KindOf("/absolute"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/loop"), Kind::kForbidden);
}

TEST_F(StaticRootTest, SpecialFilesAreForbiddenWithoutBlocking) {
  EXPECT_EQ(KindOf("/fifo"), Kind::kForbidden);
}

TEST_F(StaticRootTest, HiddenNamesAreForbidden) {
  EXPECT_EQ(KindOf("/.env"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/a/.hidden"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/.well-known/security.txt"), Kind::kForbidden);
  EXPECT_EQ(KindOf("/.missing"), Kind::kForbidden);  // refused before the filesystem is asked
}

TEST_F(StaticRootTest, HiddenNamesAllowedWhenConfigured) {
  Reopen(/*allow_hidden=*/true);
  {
    Looked l(root_handle_->Lookup("/.env"));
    ASSERT_EQ(l.lookup.kind, Kind::kFile);
    EXPECT_EQ(l.Read(), "PASSWORD=x");
  }
  EXPECT_EQ(KindOf("/.well-known/security.txt"), Kind::kFile);
  EXPECT_EQ(KindOf("/../outside"), Kind::kBadPath);
}

TEST_F(StaticRootTest, TraversalIsABadPath) {
  EXPECT_EQ(KindOf("/../outside"), Kind::kBadPath);
  EXPECT_EQ(KindOf("/a/../../outside"), Kind::kBadPath);
  EXPECT_EQ(KindOf("/a/.."), Kind::kBadPath);
  EXPECT_EQ(KindOf("/.."), Kind::kBadPath);
  EXPECT_EQ(KindOf("/a/./b.txt"), Kind::kBadPath);
  EXPECT_EQ(KindOf("/a\\..\\b"), Kind::kBadPath);
  EXPECT_EQ(KindOf("/..\\outside"), Kind::kBadPath);
  EXPECT_EQ(KindOf(std::string("/a\0b", 4)), Kind::kBadPath);
  EXPECT_EQ(KindOf(std::string("/index.html\0.txt", 16)), Kind::kBadPath);
  // ".." behind a hidden segment is still reported as the traversal it is.
  EXPECT_EQ(KindOf("/.env/../index.html"), Kind::kBadPath);
}

TEST_F(StaticRootTest, PathsMustBeAbsolute) {
  EXPECT_EQ(KindOf(""), Kind::kBadPath);
  EXPECT_EQ(KindOf("index.html"), Kind::kBadPath);
  EXPECT_EQ(KindOf("../outside"), Kind::kBadPath);
}

TEST_F(StaticRootTest, EncodedTraversalIsALiteralName) {
  EXPECT_EQ(KindOf("/%2e%2e/outside"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/%2e%2e%2foutside"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/a%2fb.txt"), Kind::kNotFound);
  EXPECT_EQ(KindOf("/index.html%00.txt"), Kind::kNotFound);
  Looked l(root_handle_->Lookup("/%2e%2e"));  // a file really called that
  ASSERT_EQ(l.lookup.kind, Kind::kFile);
  EXPECT_EQ(l.Read(), "literal name");
}

TEST_F(StaticRootTest, LeadingSlashesStayBeneathTheRoot) {
  EXPECT_EQ(KindOf("//etc/passwd"), Kind::kNotFound);
  EXPECT_EQ(KindOf("///outside"), Kind::kNotFound);
}

TEST_F(StaticRootTest, FailuresCarryNoDescriptor) {
  for (std::string_view path : {"/missing", "/.env", "/../x", "/docs", "/fifo", "/passwd"}) {
    const StaticLookup l = root_handle_->Lookup(path);
    EXPECT_NE(l.kind, Kind::kFile) << path;
    EXPECT_EQ(l.fd, -1) << path;
  }
}

TEST_F(StaticRootTest, UnreadableFilesAreForbidden) {
  Write(root_ + "/private.txt", "x");
  ASSERT_EQ(chmod((root_ + "/private.txt").c_str(), 0), 0);
  fs::create_directories(root_ + "/locked");
  Write(root_ + "/locked/inside.txt", "x");
  ASSERT_EQ(chmod((root_ + "/locked").c_str(), 0), 0);
  if (geteuid() != 0) {
    EXPECT_EQ(KindOf("/private.txt"), Kind::kForbidden);
    EXPECT_EQ(KindOf("/locked/inside.txt"), Kind::kForbidden);
    return;
  }
  // Root reads anything, so the lookups run in a child that has dropped to nobody; it reports
  // the two kinds through its exit status.
  ASSERT_EQ(chmod(base_.c_str(), 0755), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (setgid(65534) != 0 || setuid(65534) != 0) _exit(255);
    const auto a = static_cast<int>(root_handle_->Lookup("/private.txt").kind);
    const auto b = static_cast<int>(root_handle_->Lookup("/locked/inside.txt").kind);
    _exit(a * 16 + b);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 255) << "could not drop privileges";
  EXPECT_EQ(WEXITSTATUS(status) / 16, static_cast<int>(Kind::kForbidden));
  EXPECT_EQ(WEXITSTATUS(status) % 16, static_cast<int>(Kind::kForbidden));
  ASSERT_EQ(chmod((root_ + "/locked").c_str(), 0755), 0);  // so TearDown can remove it
}

TEST_F(StaticRootTest, NoDescriptorLeaks) {
  const auto open_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator());
  };
  const auto before = open_fds();
  for (std::string_view path : {"/missing", "/docs", "/docs/", "/empty/", "/fifo", "/fifodir/",
                                "/index.html/", "/passwd", "/evil/", "/a/b.txt"}) {
    Looked l(root_handle_->Lookup(path));
  }
  EXPECT_EQ(open_fds(), before);
}

TEST_F(StaticRootTest, StaysOnTheOpenedDirectory) {
  EXPECT_EQ(root_handle_->path(), root_);
  // The root is held by descriptor: renaming it does not break lookups.
  const std::string moved = base_ + "/moved";
  fs::rename(root_, moved);
  EXPECT_EQ(KindOf("/a/b.txt"), Kind::kFile);
  fs::rename(moved, root_);
}

TEST(StaticRootOpenTest, ErrorsNameThePathAndTheReason) {
  auto missing = StaticRoot::Open("/nonexistent/rampart-static", {"index.html"}, false);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/rampart-static"), std::string::npos);
  EXPECT_NE(missing.error().message.find("No such file or directory"), std::string::npos);

  auto file = StaticRoot::Open("/etc/passwd", {}, false);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("/etc/passwd"), std::string::npos);
  EXPECT_NE(file.error().message.find("Not a directory"), std::string::npos);
}

TEST(StaticRootOpenTest, IndexFilesMustBePlainNames) {
  for (const char* bad : {"", ".", "..", "a/index.html", "../index.html", "a\\b"}) {
    auto opened = StaticRoot::Open("/tmp", {"index.html", bad}, false);
    ASSERT_FALSE(opened.ok()) << bad;
    EXPECT_NE(opened.error().message.find("index file"), std::string::npos);
  }
  EXPECT_TRUE(StaticRoot::Open("/tmp", {"index.html", "default.htm"}, false).ok());
}

}  // namespace
}  // namespace rampart::static_files
