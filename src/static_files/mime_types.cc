#include "static_files/mime_types.h"

#include <algorithm>
#include <array>

#include "core/strings.h"

namespace rampart::static_files {

namespace {

struct MimeType {
  std::string_view extension;  // lower case, without the dot
  std::string_view type;
};

constexpr std::string_view kUtf8Text = "text/plain; charset=utf-8";
constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kJavaScript = "text/javascript; charset=utf-8";
constexpr std::string_view kDefault = "application/octet-stream";

// Sorted by extension for binary search (checked below). Mostly nginx's mime.types, plus the
// types it lacks that sites commonly serve (fonts, source maps, modules, CSV, Markdown).
constexpr auto kTypes = std::to_array<MimeType>({
    {"3gp", "video/3gpp"},
    {"3gpp", "video/3gpp"},
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"apng", "image/apng"},
    {"atom", "application/atom+xml"},
    {"avi", "video/x-msvideo"},
    {"avif", "image/avif"},
    {"bin", kDefault},
    {"bmp", "image/bmp"},
    {"bz2", "application/x-bzip2"},
    {"crt", "application/x-x509-ca-cert"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"deb", kDefault},
    {"der", "application/x-x509-ca-cert"},
    {"dmg", kDefault},
    {"doc", "application/msword"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"eot", "application/vnd.ms-fontobject"},
    {"epub", "application/epub+zip"},
    {"exe", kDefault},
    {"flac", "audio/flac"},
    {"flv", "video/x-flv"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", kHtml},
    {"html", kHtml},
    {"ico", "image/x-icon"},
    {"ics", "text/calendar; charset=utf-8"},
    {"iso", kDefault},
    {"jar", "application/java-archive"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", kJavaScript},
    {"json", "application/json"},
    {"jsonld", "application/ld+json"},
    {"jxl", "image/jxl"},
    {"kml", "application/vnd.google-earth.kml+xml"},
    {"kmz", "application/vnd.google-earth.kmz"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/x-m4a"},
    {"m4v", "video/x-m4v"},
    {"map", "application/json"},
    {"md", "text/markdown; charset=utf-8"},
    {"mid", "audio/midi"},
    {"midi", "audio/midi"},
    {"mjs", kJavaScript},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"pem", "application/x-x509-ca-cert"},
    {"png", "image/png"},
    {"ppt", "application/vnd.ms-powerpoint"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"ps", "application/postscript"},
    {"rar", "application/x-rar-compressed"},
    {"rss", "application/rss+xml"},
    {"rtf", "application/rtf"},
    {"svg", "image/svg+xml"},
    {"svgz", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ts", "video/mp2t"},
    {"ttf", "font/ttf"},
    {"txt", kUtf8Text},
    {"vtt", "text/vtt; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"weba", "audio/webm"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"wmv", "video/x-ms-wmv"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xls", "application/vnd.ms-excel"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"xml", "text/xml"},
    {"xz", "application/x-xz"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"zip", "application/zip"},
    {"zst", "application/zstd"},
});

constexpr bool ExtensionLess(const MimeType& a, const MimeType& b) {
  return a.extension < b.extension;
}
static_assert(std::is_sorted(kTypes.begin(), kTypes.end(), ExtensionLess));

// Longer than any extension in the table: such a name cannot match, so it is not lowered.
constexpr size_t kMaxExtension = 16;

}  // namespace

std::string_view ContentTypeFor(std::string_view file_name) {
  const size_t slash = file_name.rfind('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return kDefault;
  const std::string_view extension = file_name.substr(dot + 1);
  if (extension.empty() || extension.size() > kMaxExtension) return kDefault;
  std::array<char, kMaxExtension> lower{};
  for (size_t i = 0; i < extension.size(); ++i) lower[i] = core::AsciiLower(extension[i]);
  const MimeType key{std::string_view(lower.data(), extension.size()), {}};
  const auto* it = std::lower_bound(kTypes.begin(), kTypes.end(), key, ExtensionLess);
  if (it == kTypes.end() || it->extension != key.extension) return kDefault;
  return it->type;
}

}  // namespace rampart::static_files
