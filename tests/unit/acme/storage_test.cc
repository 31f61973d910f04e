// The ACME files on disk: 0700 directories, atomically replaced files with the asked mode.

#include "acme/storage.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace rampart::acme {
namespace {

class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "acme-storage-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static mode_t Mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  std::string dir_;
};

TEST_F(StorageTest, PathsFollowThePrimaryName) {
  const CertificatePaths paths = PathsFor("/var/lib/rampart/acme", "www.example.com");
  EXPECT_EQ(paths.dir, "/var/lib/rampart/acme/certificates/www.example.com");
  EXPECT_EQ(paths.cert, paths.dir + "/cert.pem");
  EXPECT_EQ(paths.key, paths.dir + "/key.pem");
  EXPECT_EQ(paths.files().cert_path, paths.cert);
  EXPECT_EQ(paths.files().key_path, paths.key);
  EXPECT_EQ(AccountKeyPath("/s"), "/s/account/key.pem");
}

TEST_F(StorageTest, DirectoriesAreMade0700WhateverTheUmask) {
  const mode_t old = umask(0);  // would give 0777 to a plain mkdir(0777)
  const std::string deep = dir_ + "/storage/certificates/a.example.com";
  ASSERT_TRUE(MakePrivateDirectory(deep));
  umask(old);
  EXPECT_EQ(Mode(dir_ + "/storage"), 0700u);
  EXPECT_EQ(Mode(dir_ + "/storage/certificates"), 0700u);
  EXPECT_EQ(Mode(deep), 0700u);
  EXPECT_TRUE(MakePrivateDirectory(deep));  // again: fine
}

TEST_F(StorageTest, MakingADirectoryOverAFileFails) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/file", "x", 0600));
  auto made = MakePrivateDirectory(dir_ + "/file/sub");
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().message.find(dir_ + "/file"), std::string::npos);
}

TEST_F(StorageTest, FilesAreWrittenWithTheirModeAndReplacedWhole) {
  const std::string key = dir_ + "/key.pem";
  ASSERT_TRUE(WriteFileAtomically(key, "first", 0600));
  EXPECT_EQ(Mode(key), 0600u);
  ASSERT_TRUE(WriteFileAtomically(key, "second, longer", 0600));
  auto text = ReadWholeFile(key);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "second, longer");
  const std::string cert = dir_ + "/cert.pem";
  ASSERT_TRUE(WriteFileAtomically(cert, "chain", 0644));
  EXPECT_EQ(Mode(cert), 0644u);
  // No temporary file is left behind.
  size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2u);
}

TEST_F(StorageTest, ErrorsNameThePath) {
  auto written = WriteFileAtomically(dir_ + "/missing/key.pem", "x", 0600);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message.rfind(dir_ + "/missing/key.pem: cannot create", 0), 0u);
  auto read = ReadWholeFile(dir_ + "/nothing");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message, dir_ + "/nothing: cannot read (No such file or directory)");
}

}  // namespace
}  // namespace rampart::acme
