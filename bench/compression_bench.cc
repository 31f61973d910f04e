// Response compression benchmark (bench/compression.sh, bench/README.md): what src/compress's
// encoders cost and save on typical compressible responses, in process, no sockets. Each
// document is compressed as the proxy would a response: a fresh encoder from MakeEncoder, the
// body in 16 KiB pieces (Update), then Finish. Per algorithm and level:
//   - ratio: compressed size / input size, per document and over all of them;
//   - MB/s: input megabytes (10^6 bytes) a second of one core's CPU time over the whole corpus;
//   - held KiB: the most heap the encoder holds between calls, from glibc's mallinfo2() taken
//     after creating it and after each call (in-use arena bytes plus mmapped blocks, minus the
//     figure before creating it). Memory used and freed inside one call is not seen; what an
//     encoder holds between calls is what each open response costs.
// The corpus is generated (deterministic): an HTML product-listing page, a JSON API response
// and a stylesheet, about 100 KiB each; or the files named on the command line.
//
//   compression_bench [--budget-ms N] [--piece-kib K] [FILE...]
//
// Timing as bench/bench_timing.h says: one call compresses the whole corpus; the median over
// the samples, and the 10th and 90th percentiles, turned into MB/s.

#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_timing.h"
#include "compress/encoder.h"

const char rampart::bench::kBenchName[] = "compression_bench";

namespace {

using rampart::bench::Die;
using rampart::bench::Quantile;
using rampart::compress::Encoder;
using rampart::compress::Encoding;
using rampart::compress::EncodingToken;
using rampart::compress::MakeEncoder;

struct Document {
  std::string name;
  std::string body;
};

// ---------------------------------------------------------------------------------------------
// The generated corpus: text with the structure and the noise (ids, prices, hashes, dates) of
// real responses, so that ratios land where real pages do rather than at a repeated block's.

constexpr std::array<std::string_view, 96> kWords = {
    "garden",    "chair",     "table",   "outdoor",  "wooden",   "metal",   "folding",  "set",
    "with",      "and",       "for",     "the",      "of",       "in",      "a",        "to",
    "comfort",   "design",    "classic", "modern",   "natural",  "teak",    "oak",      "pine",
    "steel",     "black",     "white",   "grey",     "green",    "blue",    "cushion",  "cover",
    "weather",   "resistant", "easy",    "assembly", "delivery", "free",    "returns",  "days",
    "warranty",  "years",     "size",    "width",    "height",   "depth",   "weight",   "capacity",
    "stackable", "light",     "strong",  "durable",  "soft",     "premium", "quality",  "price",
    "sale",      "new",       "best",    "seller",   "rated",    "review",  "customer", "stars",
    "balcony",   "terrace",   "patio",   "lounge",   "dining",   "bench",   "parasol",  "umbrella",
    "this",      "is",        "our",     "most",     "popular",  "model",   "it",       "fits",
    "every",     "space",     "from",    "small",    "to",       "large",   "made",     "by",
    "hand",      "in",        "europe",  "since",    "season",   "only",    "while",    "stock"};

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  uint32_t Below(uint32_t n) { return rng_() % n; }
  std::string_view Word() { return kWords[Below(kWords.size())]; }

  std::string Words(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ' ';
      out += Word();
    }
    return out;
  }

  std::string Sentences(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      std::string sentence = Words(6 + static_cast<int>(Below(12)));
      sentence[0] = static_cast<char>(sentence[0] - 'a' + 'A');
      out += sentence + ". ";
    }
    return out;
  }

  std::string Hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < digits; ++i) out += kHex[Below(16)];
    return out;
  }

  std::string Price() {
    return std::to_string(5 + Below(900)) + "." + std::to_string(10 + Below(90));
  }

  std::string Date() {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "2026-%02u-%02uT%02u:%02u:%02uZ", 1 + Below(12),
                  1 + Below(28), Below(24), Below(60), Below(60));
    return buffer;
  }

 private:
  std::mt19937 rng_;
};

std::string HtmlPage(size_t size) {
  Generator g(1);
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Garden furniture | Shop</title>\n"
      "<link rel=\"stylesheet\" href=\"/assets/app." +
      g.Hex(8) + ".css\">\n<script defer src=\"/assets/app." + g.Hex(8) +
      ".js\"></script>\n</head>\n<body class=\"page page--listing\">\n"
      "<header class=\"site-header\"><nav class=\"nav\"><ul class=\"nav__list\">\n";
  for (int i = 0; i < 12; ++i) {
    page += "<li class=\"nav__item\"><a class=\"nav__link\" href=\"/c/" + g.Words(1) + "-" +
            g.Words(1) + "\">" + g.Words(2) + "</a></li>\n";
  }
  page += "</ul></nav></header>\n<main class=\"listing\">\n";
  for (int id = 0; page.size() < size; ++id) {
    const std::string sku = g.Hex(10);
    page +=
        "<article class=\"card\" data-sku=\"" + sku + "\" data-position=\"" + std::to_string(id) +
        "\">\n  <a class=\"card__link\" href=\"/p/" + sku +
        "\">\n    <img class=\"card__image\" "
        "src=\"https://cdn.example.com/img/" +
        g.Hex(32) + ".webp\" alt=\"" + g.Words(4) +
        "\" loading=\"lazy\" width=\"320\" height=\"240\">\n    <h2 class=\"card__title\">" +
        g.Words(3 + static_cast<int>(g.Below(4))) + "</h2>\n  </a>\n  <p class=\"card__text\">" +
        g.Sentences(1 + static_cast<int>(g.Below(3))) +
        "</p>\n  <div class=\"card__price\"><span class=\"price\">&euro;" + g.Price() + "</span>";
    if (g.Below(3) == 0) page += " <del class=\"price price--old\">&euro;" + g.Price() + "</del>";
    page += "</div>\n  <div class=\"card__rating\" aria-label=\"" + std::to_string(1 + g.Below(5)) +
            " stars\">(" + std::to_string(g.Below(2000)) +
            ")</div>\n  <button class=\"button button--primary\" type=\"button\" data-action=\"add-"
            "to-cart\">Add to cart</button>\n</article>\n";
  }
  page += "</main>\n<footer class=\"site-footer\">&copy; 2026 Shop</footer>\n</body>\n</html>\n";
  return page;
}

std::string JsonResponse(size_t size) {
  Generator g(2);
  static constexpr std::array<std::string_view, 12> kNames = {"Anna", "Ben",   "Chloe", "David",
                                                              "Emma", "Felix", "Grace", "Hugo",
                                                              "Ines", "Jonas", "Klara", "Liam"};
  static constexpr std::array<std::string_view, 8> kCities = {
      "Berlin", "Paris", "Madrid", "Rome", "Vienna", "Lisbon", "Prague", "Dublin"};
  std::string json = "{\"data\":[";
  for (int i = 0; json.size() < size; ++i) {
    const std::string_view first = kNames[g.Below(kNames.size())];
    const std::string_view last = kNames[g.Below(kNames.size())];
    if (i > 0) json += ',';
    json += "{\"id\":" + std::to_string(100000 + g.Below(900000)) + ",\"uuid\":\"" + g.Hex(8) +
            "-" + g.Hex(4) + "-" + g.Hex(4) + "-" + g.Hex(4) + "-" + g.Hex(12) +
            "\",\"customer\":{\"name\":\"" + std::string(first) + " " + std::string(last) +
            "\",\"email\":\"" + std::string(first) + "." + std::string(last) +
            "@example.com\",\"city\":\"" + std::string(kCities[g.Below(kCities.size())]) +
            "\"},\"created_at\":\"" + g.Date() + "\",\"status\":\"" +
            (g.Below(4) == 0 ? "pending" : "shipped") + "\",\"total\":" + g.Price() +
            ",\"currency\":\"EUR\",\"items\":[";
    const uint32_t items = 1 + g.Below(3);
    for (uint32_t k = 0; k < items; ++k) {
      if (k > 0) json += ',';
      json += "{\"sku\":\"" + g.Hex(10) + "\",\"title\":\"" + g.Words(3) +
              "\",\"quantity\":" + std::to_string(1 + g.Below(4)) + ",\"unit_price\":" + g.Price() +
              "}";
    }
    json += "],\"gift\":" + std::string(g.Below(5) == 0 ? "true" : "false") + "}";
  }
  json += "],\"page\":{\"number\":1,\"size\":100,\"next\":\"/api/v1/orders?cursor=" + g.Hex(24) +
          "\"}}";
  return json;
}

std::string Stylesheet(size_t size) {
  Generator g(3);
  static constexpr std::array<std::string_view, 10> kProperties = {
      "margin",    "padding",       "font-size", "line-height",    "width",
      "max-width", "border-radius", "gap",       "letter-spacing", "min-height"};
  std::string css = ":root{--color-primary:#2f6f4f;--color-text:#1d1d1f;--radius:4px}\n";
  while (css.size() < size) {
    const std::string block = g.Words(1) + "-" + g.Words(1);
    const bool media = g.Below(8) == 0;
    if (media) css += "@media (min-width: " + std::to_string(320 + 16 * g.Below(80)) + "px) {\n";
    css += "." + block + ", ." + block + "__" + g.Words(1) + ":hover, ." + block + "--" +
           g.Words(1) + " > ." + g.Words(1) + " {\n";
    const uint32_t declarations = 2 + g.Below(6);
    for (uint32_t i = 0; i < declarations; ++i) {
      css += "  " + std::string(kProperties[g.Below(kProperties.size())]) + ": " +
             std::to_string(g.Below(64)) + (g.Below(2) == 0 ? "px" : "rem") + ";\n";
    }
    css += "  color: #" + g.Hex(6) + ";\n  background: var(--color-primary);\n";
    if (g.Below(3) == 0) css += "  transition: opacity 0.2s ease-in-out, transform 0.3s ease;\n";
    css += "}\n";
    if (media) css += "}\n";
  }
  return css;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) Die("cannot read " + path);
  std::ostringstream body;
  body << file.rdbuf();
  return body.str();
}

// ---------------------------------------------------------------------------------------------
// Measuring

size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

// Compresses `body` as a streamed response; the compressed size, or 0 on an encoder error.
size_t CompressResponse(Encoding encoding, int level, std::string_view body, size_t piece,
                        std::string& out) {
  out.clear();
  std::unique_ptr<Encoder> encoder = MakeEncoder(encoding, level);
  if (encoder == nullptr) return 0;
  for (size_t at = 0; at < body.size(); at += piece) {
    if (!encoder->Update(body.substr(at, piece), out)) return 0;
  }
  return encoder->Finish(out) ? out.size() : 0;
}

// The most heap an encoder held between calls while streaming `body`, in bytes.
size_t HeldMemory(Encoding encoding, int level, std::string_view body, size_t piece) {
  std::string out;
  out.reserve(body.size() + (1 << 20));  // allocated before the baseline, never grown after
  const size_t before = HeapInUse();
  size_t peak = before;
  std::unique_ptr<Encoder> encoder = MakeEncoder(encoding, level);
  if (encoder == nullptr) Die("MakeEncoder failed");
  peak = std::max(peak, HeapInUse());
  for (size_t at = 0; at < body.size(); at += piece) {
    if (!encoder->Update(body.substr(at, piece), out)) Die("Update failed");
    peak = std::max(peak, HeapInUse());
  }
  if (!encoder->Finish(out)) Die("Finish failed");
  peak = std::max(peak, HeapInUse());
  return peak - before;
}

struct Case {
  Encoding encoding;
  int level;
};

}  // namespace

int main(int argc, char** argv) {
  double budget_ms = 1000;
  size_t piece = 16 * 1024;
  std::vector<Document> corpus;
  for (int i = 1; i < argc; ++i) {
    if (rampart::bench::TakeBudgetMs(argc, argv, i, budget_ms)) continue;
    const std::string arg = argv[i];
    if (arg == "--piece-kib" && i + 1 < argc) {
      const long kib = std::strtol(argv[++i], nullptr, 10);
      if (kib <= 0) Die("--piece-kib: a positive number");
      piece = static_cast<size_t>(kib) * 1024;
    } else if (!arg.empty() && arg[0] == '-') {
      Die("usage: compression_bench [--budget-ms N] [--piece-kib K] [FILE...]");
    } else {
      corpus.push_back({arg.substr(arg.find_last_of('/') + 1), ReadFile(arg)});
    }
  }
  if (corpus.empty()) {
    constexpr size_t kSize = 100 * 1024;
    corpus = {{"html", HtmlPage(kSize)}, {"json", JsonResponse(kSize)}, {"css", Stylesheet(kSize)}};
  }
  size_t corpus_bytes = 0;
  for (const Document& doc : corpus) corpus_bytes += doc.body.size();

  const std::vector<Case> cases = {
      {Encoding::kGzip, 1},    {Encoding::kGzip, 6},   {Encoding::kGzip, 9},
      {Encoding::kBrotli, 1},  {Encoding::kBrotli, 5}, {Encoding::kBrotli, 9},
      {Encoding::kBrotli, 11}, {Encoding::kZstd, 1},   {Encoding::kZstd, 3},
      {Encoding::kZstd, 9},    {Encoding::kZstd, 19},
  };

  std::printf("corpus:");
  for (const Document& doc : corpus) std::printf(" %s %zu B;", doc.name.c_str(), doc.body.size());
  std::printf(" pieces of %zu KiB; thread CPU time, %.0f ms per case after a warm-up\n\n",
              piece / 1024, budget_ms);
  std::printf("| coding | level |");
  for (const Document& doc : corpus) std::printf(" ratio %s |", doc.name.c_str());
  std::printf(" ratio, all | MB/s (median) | p10-p90 MB/s | held KiB (max) |\n|---|---:|");
  for (size_t i = 0; i < corpus.size(); ++i) std::printf("---:|");
  std::printf("---:|---:|---:|---:|\n");

  std::string out;
  for (const Case& c : cases) {
    std::vector<double> ratios;
    size_t compressed_bytes = 0;
    size_t held = 0;
    for (const Document& doc : corpus) {
      const size_t size = CompressResponse(c.encoding, c.level, doc.body, piece, out);
      if (size == 0) Die("encoder failed");
      ratios.push_back(static_cast<double>(size) / static_cast<double>(doc.body.size()));
      compressed_bytes += size;
      held = std::max(held, HeldMemory(c.encoding, c.level, doc.body, piece));
    }
    const std::string name = std::string(EncodingToken(c.encoding)) + " " + std::to_string(c.level);
    const rampart::bench::Row row = rampart::bench::Measure(
        name, "",
        [&] {
          for (const Document& doc : corpus) {
            if (CompressResponse(c.encoding, c.level, doc.body, piece, out) == 0) return false;
          }
          return true;
        },
        budget_ms / 1e3);
    // us per call -> MB/s: bytes per microsecond is MB/s. A higher quantile of time is a lower
    // rate, hence p90 time gives p10 MB/s.
    const auto bytes = static_cast<double>(corpus_bytes);
    std::printf("| %s | %d |", std::string(EncodingToken(c.encoding)).c_str(), c.level);
    for (double r : ratios) std::printf(" %.3f |", r);
    std::printf(" %.3f | %.1f | %.1f-%.1f | %zu |\n", static_cast<double>(compressed_bytes) / bytes,
                bytes / Quantile(row.us, 0.5), bytes / Quantile(row.us, 0.9),
                bytes / Quantile(row.us, 0.1), held / 1024);
    std::fflush(stdout);
  }
  return 0;
}
