#include "static_files/mime_types.h"

#include <gtest/gtest.h>

namespace rampart::static_files {
namespace {

TEST(MimeTypesTest, CommonWebTypes) {
  EXPECT_EQ(ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("index.htm"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("site.css"), "text/css; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("app.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("data.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("app.js.map"), "application/json");
  EXPECT_EQ(ContentTypeFor("robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("feed.xml"), "text/xml");
  EXPECT_EQ(ContentTypeFor("table.csv"), "text/csv; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("README.md"), "text/markdown; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("module.wasm"), "application/wasm");
  EXPECT_EQ(ContentTypeFor("site.webmanifest"), "application/manifest+json");
}

TEST(MimeTypesTest, ImagesFontsMediaArchives) {
  EXPECT_EQ(ContentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("a.jpg"), "image/jpeg");
  EXPECT_EQ(ContentTypeFor("a.jpeg"), "image/jpeg");
  EXPECT_EQ(ContentTypeFor("a.gif"), "image/gif");
  EXPECT_EQ(ContentTypeFor("a.webp"), "image/webp");
  EXPECT_EQ(ContentTypeFor("a.avif"), "image/avif");
  EXPECT_EQ(ContentTypeFor("favicon.ico"), "image/x-icon");
  EXPECT_EQ(ContentTypeFor("f.woff"), "font/woff");
  EXPECT_EQ(ContentTypeFor("f.woff2"), "font/woff2");
  EXPECT_EQ(ContentTypeFor("f.ttf"), "font/ttf");
  EXPECT_EQ(ContentTypeFor("f.otf"), "font/otf");
  EXPECT_EQ(ContentTypeFor("doc.pdf"), "application/pdf");
  EXPECT_EQ(ContentTypeFor("a.zip"), "application/zip");
  EXPECT_EQ(ContentTypeFor("a.tar.gz"), "application/gzip");
  EXPECT_EQ(ContentTypeFor("v.mp4"), "video/mp4");
  EXPECT_EQ(ContentTypeFor("v.webm"), "video/webm");
  EXPECT_EQ(ContentTypeFor("s.mp3"), "audio/mpeg");
}

TEST(MimeTypesTest, ExtensionIsCaseInsensitive) {
  EXPECT_EQ(ContentTypeFor("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("Photo.JpG"), "image/jpeg");
  EXPECT_EQ(ContentTypeFor("F.WOFF2"), "font/woff2");
}

TEST(MimeTypesTest, OnlyTheLastComponentAndExtensionCount) {
  EXPECT_EQ(ContentTypeFor("/static/v1.2/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ContentTypeFor("/static/v1.css/app"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("archive.html.zip"), "application/zip");
}

TEST(MimeTypesTest, UnknownOrMissingExtensionIsOctetStream) {
  EXPECT_EQ(ContentTypeFor(""), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("Makefile"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("file."), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("file.unknownext"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("file.averyveryverylongextension"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor(".htaccess"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("dir.d/"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("binary.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace rampart::static_files
