// Session: a static route's files — resolved beneath the route's root (no escape), answered with
// validators, conditional and Range requests honoured, and the bytes sent by the kernel
// (sendfile) on cleartext connections.

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "core/strings.h"
#include "http/byte_range.h"
#include "http/conditional.h"
#include "http/h1_writer.h"
#include "http/http_date.h"
#include "pipeline/local_reply.h"
#include "proxy/session.h"
#include "static_files/request_path.h"

namespace rampart::proxy {

namespace {

// The path beneath the root: a path_prefix route with strip_prefix serves its prefix's files
// from the root itself.
std::string_view FilePath(const routing::Route& route, std::string_view path) {
  if (route.strip_prefix && !route.path_prefix.empty() && path.starts_with(route.path_prefix)) {
    path.remove_prefix(route.path_prefix.size());
    if (path.empty() || path.front() != '/') {
      // "/static" + "x" after "/static/": give the path its leading slash back.
      return path.empty() ? std::string_view("/") : path;
    }
  }
  return path;
}

}  // namespace

void Session::ServeStaticFile() {
  const http::Request& req = ex_->request();
  if (req.method != "GET" && req.method != "HEAD") {
    ex_->SetLocalReply(405, pipeline::ErrorPage(405, ex_->request_id()));
    ex_->local_reply()->headers.Set("Allow", "GET, HEAD");
    SendLocalReply();
    return;
  }
  std::optional<std::string> decoded = static_files::DecodeRequestPath(FilePath(*route_, path_));
  if (!decoded) {
    SendError(400);  // a malformed escape, or one that decodes to '/' or NUL
    return;
  }
  std::string relative = std::move(*decoded);
  if (relative.empty() || relative.front() != '/') relative.insert(0, "/");
  static_files::StaticLookup file = route_->static_root->Lookup(relative);
  using Kind = static_files::StaticLookup::Kind;
  switch (file.kind) {
    case Kind::kFile:
      break;
    case Kind::kNotFound:
      SendError(404);
      return;
    case Kind::kForbidden:
      SendError(403);
      return;
    case Kind::kBadPath:
      SendError(400);
      return;
    case Kind::kError:
      spdlog::warn("{}: static: cannot open {} beneath {}", ex_->request_id(), relative,
                   route_->static_root->path());
      SendError(500);
      return;
    case Kind::kDirectoryRedirect: {
      // One leading slash: "//host/dir" would read as another site's address.
      std::string_view path = req.path();
      while (path.size() > 1 && path[1] == '/') path.remove_prefix(1);
      std::string location(path);
      location += '/';
      if (!req.query().empty()) {
        location += '?';
        location.append(req.query());
      }
      ex_->SetLocalReply(301, pipeline::ErrorPage(301, ex_->request_id()));
      ex_->local_reply()->headers.Set("Location", location);
      SendLocalReply();
      return;
    }
  }

  http::HeaderMap headers;
  const std::string last_modified = http::FormatHttpDate(file.mtime);
  headers.Set("Content-Type", file.content_type);
  headers.Set("ETag", file.etag);
  headers.Set("Last-Modified", last_modified);
  headers.Set("Accept-Ranges", "bytes");
  if (route_->static_expires_s) {
    headers.Set("Cache-Control", "max-age=" + std::to_string(*route_->static_expires_s));
    headers.Set("Expires", http::FormatHttpDate(WallSeconds() +
                                                static_cast<int64_t>(*route_->static_expires_s)));
  }
  int status = 200;
  uint64_t offset = 0;
  uint64_t length = file.size;
  bool send_body = req.method == "GET";
  switch (http::EvaluatePreconditions(req.method, req.headers, file.etag, file.mtime)) {
    case http::Precondition::kProceed:
      break;
    case http::Precondition::kNotModified:
      status = 304;
      send_body = false;
      break;
    case http::Precondition::kFailed:
      close(file.fd);
      SendError(412);
      return;
  }
  if (status == 200 && http::IfRangeAllows(req.headers, file.etag, file.mtime)) {
    const http::RangeRequest range = http::ParseRange(req.headers.Get("Range"), file.size);
    if (range.kind == http::RangeRequest::Kind::kUnsatisfiable) {
      close(file.fd);
      ex_->SetLocalReply(416, pipeline::ErrorPage(416, ex_->request_id()));
      ex_->local_reply()->headers.Set("Content-Range", http::UnsatisfiedRangeValue(file.size));
      SendLocalReply();
      return;
    }
    if (range.kind == http::RangeRequest::Kind::kSingle) {
      status = 206;
      offset = range.range.first;
      length = range.range.length;
      headers.Set("Content-Range", http::ContentRangeValue(range.range, file.size));
    }
  }
  if (status != 304) headers.Set("Content-Length", std::to_string(length));
  // The route's response stages (set_response_headers, the WAF's response-header phase) see the
  // file's head as they would a backend's.
  http::Response& resp = ex_->response();
  resp.status = status;
  resp.headers = std::move(headers);
  resp.framing = status == 304 ? http::BodyFraming::kNone : http::BodyFraming::kContentLength;
  resp.content_length = status == 304 ? 0 : length;
  if (chain_->RunResponseHeaders(*ex_) == pipeline::ChainResult::kRespond && ex_->local_reply()) {
    close(file.fd);
    SendLocalReply();
    return;
  }
  headers = std::move(resp.headers);
  SetLocalResponseFields(headers);
  std::string head;
  head.reserve(512);
  http::AppendResponseHead(head, http::Version::kHttp11, status, http::ReasonPhrase(status),
                           headers);
  evbuffer* out = ClientOutput();
  evbuffer_add(out, head.data(), head.size());
  ex_->bytes_sent += head.size();
  if (send_body && length > 0) {
    // The evbuffer owns the descriptor from here (closed when sent); on a plain socket
    // evbuffer_write hands it to sendfile.
    if (evbuffer_add_file(out, file.fd, static_cast<ev_off_t>(offset),
                          static_cast<ev_off_t>(length)) != 0) {
      close(file.fd);
      spdlog::warn("{}: static: could not send {}", ex_->request_id(), relative);
      Close();
      return;
    }
    ex_->bytes_sent += length;
  } else {
    close(file.fd);
  }
  ex_->status = status;
  response_started_ = true;
  FinishExchange();
}

}  // namespace rampart::proxy
