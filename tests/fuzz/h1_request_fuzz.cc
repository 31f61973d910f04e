// Fuzz target for the HTTP/1.1 codec: the request parser (whole, in random-ish splits and, for
// short inputs, byte by byte, with default and with tiny limits), a re-serialise/re-parse round
// trip, the chunked decoder over whatever follows a chunked head, and the response parser on
// the same bytes. Every way of feeding the same bytes must give the same outcome; a split may
// only report the same error earlier. Any difference aborts.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/h1_parser.h"
#include "http/h1_writer.h"
#include "http/message.h"

namespace {

using rampart::http::BodyFraming;
using rampart::http::ChunkedDecoder;
using rampart::http::ParseError;
using rampart::http::ParseLimits;
using rampart::http::ParseStatus;
using rampart::http::Request;
using rampart::http::RequestParser;
using rampart::http::Response;
using rampart::http::ResponseParser;
using rampart::http::Version;

// Checked in every build (no NDEBUG escape): a fuzz finding must crash.
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

// A heap copy of exactly input[0, size), so ASan reports any read past what was handed over.
std::unique_ptr<char[]> Copy(std::string_view input, size_t size) {
  auto copy = std::make_unique<char[]>(size);
  if (size > 0) std::memcpy(copy.get(), input.data(), size);
  return copy;
}

uint64_t Fnv1a(std::string_view input) {
  uint64_t hash = 1469598103934665603ULL;
  for (char c : input) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

struct RequestOutcome {
  ParseStatus status = ParseStatus::kPartial;
  ParseError error = ParseError::kNone;
  size_t consumed = 0;
  Request request;
};

// Feeds the growing prefixes input[0, cut) for each cut (ascending, the last = input.size()),
// as a caller accumulating network reads would, stopping at the first final answer.
template <typename Cuts>
RequestOutcome ParseRequest(std::string_view input, const ParseLimits& limits, const Cuts& cuts) {
  RequestParser parser(limits);
  RequestOutcome outcome;
  for (size_t cut : cuts) {
    auto copy = Copy(input, cut);
    outcome.status =
        parser.Parse(std::string_view(copy.get(), cut), outcome.request, outcome.consumed);
    if (outcome.status == ParseStatus::kComplete) FUZZ_CHECK(outcome.consumed <= cut);
    if (outcome.status != ParseStatus::kPartial) break;
  }
  outcome.error = parser.error();
  return outcome;
}

bool SameRequest(const Request& a, const Request& b) {
  if (a.method != b.method || a.target != b.target || a.version != b.version ||
      a.framing != b.framing || a.content_length != b.content_length || a.host != b.host ||
      a.keep_alive != b.keep_alive || a.expect_continue != b.expect_continue ||
      a.upgrade != b.upgrade || a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers.fields()[i].name != b.headers.fields()[i].name ||
        a.headers.fields()[i].value != b.headers.fields()[i].value) {
      return false;
    }
  }
  return true;
}

void CheckSameOutcome(const RequestOutcome& whole, const RequestOutcome& split) {
  FUZZ_CHECK(whole.status == split.status);
  FUZZ_CHECK(whole.error == split.error);
  if (whole.status == ParseStatus::kComplete) {
    FUZZ_CHECK(whole.consumed == split.consumed);
    FUZZ_CHECK(SameRequest(whole.request, split.request));
  }
}

// Invariants of a parsed head, and that the writer's form of it parses back to the same thing.
void CheckCompleteRequest(const RequestOutcome& outcome) {
  const Request& request = outcome.request;
  FUZZ_CHECK(!request.method.empty() && !request.target.empty());
  FUZZ_CHECK(!request.path().empty() && request.path().front() == '/');
  FUZZ_CHECK(request.method != "CONNECT");
  if (request.framing == BodyFraming::kChunked) FUZZ_CHECK(request.version == Version::kHttp11);
  FUZZ_CHECK(request.framing != BodyFraming::kUntilClose);
  if (request.version == Version::kHttp11) FUZZ_CHECK(!request.host.empty());
  for (const auto& field : request.headers) {
    FUZZ_CHECK(!field.name.empty());
    FUZZ_CHECK(field.value.find_first_of("\r\n", 0) == std::string::npos);
    FUZZ_CHECK(field.value.find('\0') == std::string::npos);
  }
  if (request.version != Version::kHttp11) return;  // the writer always says HTTP/1.1

  std::string head;
  rampart::http::AppendRequestHead(head, request.method, request.target, request.headers);
  ParseLimits unlimited;
  unlimited.max_request_line = head.size() + 1;
  unlimited.max_header_bytes = head.size() + 1;
  unlimited.max_header_count = request.headers.size() + 1;
  const size_t cuts[] = {head.size()};
  const RequestOutcome again = ParseRequest(head, unlimited, cuts);
  FUZZ_CHECK(again.status == ParseStatus::kComplete);
  FUZZ_CHECK(again.consumed == head.size());
  FUZZ_CHECK(SameRequest(request, again.request));
}

// A parser Reset() after one head must treat the next pipelined request like a fresh one.
void CheckPipelined(std::string_view next, const ParseLimits& limits) {
  RequestParser reused(limits);
  Request request;
  size_t consumed = 0;
  constexpr std::string_view kFirst = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto first = Copy(kFirst, kFirst.size());
  // Whatever state this leaves (complete, or an error under tiny limits), Reset() forgets it.
  (void)reused.Parse(std::string_view(first.get(), kFirst.size()), request, consumed);
  reused.Reset();
  FUZZ_CHECK(reused.error() == ParseError::kNone);
  RequestOutcome again;
  auto copy = Copy(next, next.size());
  again.status =
      reused.Parse(std::string_view(copy.get(), next.size()), again.request, again.consumed);
  again.error = reused.error();
  const size_t cuts[] = {next.size()};
  CheckSameOutcome(ParseRequest(next, limits, cuts), again);
}

struct BodyOutcome {
  ChunkedDecoder::Step::Kind kind = ChunkedDecoder::Step::kNeedMore;
  ParseError error = ParseError::kNone;
  std::string body;
  size_t used = 0;  // framing + payload bytes consumed
};

// Runs the documented caller loop over `input`, made available in the pieces ending at `cuts`.
template <typename Cuts>
BodyOutcome DecodeChunked(std::string_view input, const Cuts& cuts) {
  ChunkedDecoder decoder;
  BodyOutcome outcome;
  std::string buffered;
  size_t fed = 0;
  for (size_t cut : cuts) {
    buffered.append(input.substr(fed, cut - fed));
    fed = cut;
    while (true) {
      const size_t peek = std::min(buffered.size(), ChunkedDecoder::kMaxPeek);
      auto front = Copy(buffered, peek);
      const ChunkedDecoder::Step step =
          decoder.Next(std::string_view(front.get(), peek), buffered.size());
      FUZZ_CHECK(step.consumed <= peek);
      buffered.erase(0, step.consumed);
      outcome.used += step.consumed;
      if (step.kind == ChunkedDecoder::Step::kData) {
        FUZZ_CHECK(step.payload > 0 && step.payload <= buffered.size());
        const auto payload = static_cast<size_t>(step.payload);
        outcome.body.append(buffered, 0, payload);
        buffered.erase(0, payload);
        outcome.used += payload;
        continue;
      }
      if (step.kind == ChunkedDecoder::Step::kNeedMore) {
        // Waiting is only right when nothing buffered is left to look at.
        FUZZ_CHECK(buffered.empty());
        break;
      }
      outcome.kind = step.kind;
      outcome.error = decoder.error();
      FUZZ_CHECK((step.kind == ChunkedDecoder::Step::kError) ==
                 (decoder.error() != ParseError::kNone));
      FUZZ_CHECK(decoder.body_bytes() == outcome.body.size());
      return outcome;
    }
  }
  FUZZ_CHECK(decoder.body_bytes() == outcome.body.size());
  return outcome;
}

void FuzzChunkedBody(std::string_view body, uint64_t hash) {
  const size_t size = body.size();
  const size_t cut1 = size == 0 ? 0 : static_cast<size_t>(hash % (size + 1));
  const size_t cut2 = cut1 + static_cast<size_t>((hash >> 29) % (size - cut1 + 1));
  const size_t whole_cuts[] = {size};
  const size_t split_cuts[] = {cut1, cut2, size};
  const BodyOutcome whole = DecodeChunked(body, whole_cuts);
  const BodyOutcome split = DecodeChunked(body, split_cuts);
  FUZZ_CHECK(whole.kind == split.kind);
  FUZZ_CHECK(whole.error == split.error);
  FUZZ_CHECK(whole.body == split.body);
  if (whole.kind == ChunkedDecoder::Step::kDone) FUZZ_CHECK(whole.used == split.used);
}

void FuzzResponse(std::string_view input, uint64_t hash) {
  const bool head = (hash & 1) != 0;
  const size_t size = input.size();
  const size_t cut = size == 0 ? 0 : static_cast<size_t>((hash >> 7) % (size + 1));
  ResponseParser whole_parser;
  Response whole;
  size_t whole_consumed = 0;
  auto copy = Copy(input, size);
  const ParseStatus whole_status =
      whole_parser.Parse(std::string_view(copy.get(), size), head, whole, whole_consumed);

  ResponseParser split_parser;
  Response split;
  size_t split_consumed = 0;
  ParseStatus split_status = ParseStatus::kPartial;
  for (size_t end : {cut, size}) {
    auto piece = Copy(input, end);
    split_status =
        split_parser.Parse(std::string_view(piece.get(), end), head, split, split_consumed);
    if (split_status != ParseStatus::kPartial) break;
  }
  FUZZ_CHECK(whole_status == split_status);
  FUZZ_CHECK(whole_parser.error() == split_parser.error());
  if (whole_status == ParseStatus::kComplete) {
    FUZZ_CHECK(whole_consumed == split_consumed && whole_consumed <= size);
    FUZZ_CHECK(whole.status == split.status && whole.reason == split.reason);
    FUZZ_CHECK(whole.framing == split.framing && whole.content_length == split.content_length);
    FUZZ_CHECK(whole.keep_alive == split.keep_alive);
    FUZZ_CHECK(whole.status >= 100 && whole.status <= 599);
    if (whole.framing == BodyFraming::kUntilClose) FUZZ_CHECK(!whole.keep_alive);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const uint64_t hash = Fnv1a(input);
  const size_t cut1 = size == 0 ? 0 : static_cast<size_t>(hash % (size + 1));
  const size_t cut2 = cut1 + static_cast<size_t>((hash >> 32) % (size - cut1 + 1));
  const size_t whole_cuts[] = {size};
  const size_t split_cuts[] = {cut1, cut2, size};

  ParseLimits tiny;  // small enough that the fuzzer reaches every limit
  tiny.max_request_line = 48;
  tiny.max_header_bytes = 160;
  tiny.max_header_count = 4;

  for (const ParseLimits& limits : {ParseLimits{}, tiny}) {
    const RequestOutcome whole = ParseRequest(input, limits, whole_cuts);
    CheckSameOutcome(whole, ParseRequest(input, limits, split_cuts));
    if (size <= 256) {
      std::vector<size_t> cuts(size);  // every prefix length: byte by byte
      for (size_t i = 0; i < size; ++i) cuts[i] = i + 1;
      CheckSameOutcome(whole, ParseRequest(input, limits, cuts));
    }
    if (whole.status == ParseStatus::kError) {
      FUZZ_CHECK(whole.error != ParseError::kNone);
      FUZZ_CHECK(whole.error != ParseError::kBadStatusLine);
    }
    if (whole.status != ParseStatus::kComplete) continue;
    CheckCompleteRequest(whole);
    if (whole.request.framing == BodyFraming::kChunked) {
      FuzzChunkedBody(input.substr(whole.consumed), hash);
    } else if (whole.request.content_length <= size - whole.consumed) {
      CheckPipelined(input.substr(whole.consumed + whole.request.content_length), limits);
    }
  }
  // The body bytes alone, too: most inputs never reach the decoder through a valid head.
  FuzzChunkedBody(input, hash >> 3);
  FuzzResponse(input, hash);
  return 0;
}
