#pragma once
// Test helper: an HTTP/2 client (an nghttp2 client session) on one end of a socket pair, driven
// by the test's event_base, recording every stream's interim and final heads, body, and how it
// ended, and the GOAWAY it got. Its receive windows are credited only when the test says so
// (or always, with auto_window), so a test can hold the server to a window. Used by one test
// on the test thread.

#include <event2/event.h>
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::proxy::testing {

using Fields = std::vector<std::pair<std::string, std::string>>;

class H2TestClient {
 public:
  struct Stream {
    std::vector<int> interim_statuses;  // 1xx heads
    int status = 0;
    Fields headers;    // the final head's regular fields
    std::string body;  // DATA payload received
    size_t data_frames = 0;
    std::string request_body;  // what the data provider sends
    size_t request_sent = 0;
    bool request_body_open = false;  // the provider defers instead of ending
    bool closed = false;
    uint32_t error_code = 0;  // RST_STREAM code (0 after a normal end)
    bool reset_received = false;

    std::optional<std::string> Header(const std::string& name) const {
      for (const auto& [n, v] : headers) {
        if (n == name) return v;
      }
      return std::nullopt;
    }
  };

  // `settings`: the client's SETTINGS (e.g. a small INITIAL_WINDOW_SIZE). `auto_window`: credit
  // received DATA back at once, as a normal client does.
  H2TestClient(event_base* base, int fd, std::vector<nghttp2_settings_entry> settings = {},
               bool auto_window = true)
      : base_(base), fd_(fd), auto_window_(auto_window) {
    nghttp2_session_callbacks* callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &OnFrame);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &OnClose);
    nghttp2_option* options = nullptr;
    nghttp2_option_new(&options);
    nghttp2_option_set_no_auto_window_update(options, 1);
    nghttp2_session_client_new2(&session_, callbacks, this, options);
    nghttp2_option_del(options);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    read_event_ = event_new(base_, fd_, EV_READ | EV_PERSIST, &OnReadable, this);
    write_event_ = event_new(base_, fd_, EV_WRITE, &OnWritable, this);
    event_add(read_event_, nullptr);
    Flush();
  }
  ~H2TestClient() {
    event_free(read_event_);
    event_free(write_event_);
    nghttp2_session_del(session_);
    if (fd_ >= 0) close(fd_);
  }
  H2TestClient(const H2TestClient&) = delete;
  H2TestClient& operator=(const H2TestClient&) = delete;

  // Sends a request: the pseudo-fields for `method` and `path` (authority "example.com"),
  // then `fields`. With `body`, DATA follows (END_STREAM after it unless `keep_open`).
  int32_t Request(const std::string& method, const std::string& path, const Fields& fields = {},
                  std::optional<std::string> body = std::nullopt, bool keep_open = false) {
    Fields all = {
        {":method", method}, {":scheme", "https"}, {":authority", "example.com"}, {":path", path}};
    all.insert(all.end(), fields.begin(), fields.end());
    return RequestRaw(all, std::move(body), keep_open);
  }
  // The same with every field (pseudo-fields included) given by the test.
  int32_t RequestRaw(const Fields& fields, std::optional<std::string> body = std::nullopt,
                     bool keep_open = false) {
    // Sent as given (no copy, hence no lower-casing by nghttp2), so a test can send what a
    // careless or hostile client would; the fields live as long as the client.
    const Fields& kept = sent_fields_.emplace_back(fields);
    std::vector<nghttp2_nv> nva;
    for (const auto& [name, value] : kept) {
      nva.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                     reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                     value.size(), NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE});
    }
    nghttp2_data_provider provider{};
    provider.read_callback = &ReadRequestBody;
    const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(),
                                              body ? &provider : nullptr, nullptr);
    EXPECT_GT(id, 0) << nghttp2_strerror(id);
    if (id <= 0) return id;
    Stream& stream = streams[id];
    if (body) {
      stream.request_body = std::move(*body);
      stream.request_body_open = keep_open;
    }
    Flush();
    return id;
  }
  // Appends to an open request body (`end`: then ends it).
  void SendMore(int32_t id, const std::string& bytes, bool end) {
    Stream& stream = streams[id];
    stream.request_body += bytes;
    stream.request_body_open = !end;
    nghttp2_session_resume_data(session_, id);
    Flush();
  }
  void Reset(int32_t id, uint32_t code = NGHTTP2_CANCEL) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, code);
    Flush();
  }
  // Credits `bytes` of stream `id`'s received DATA (and the connection's) back to the server.
  void Consume(int32_t id, size_t bytes) {
    nghttp2_session_consume(session_, id, bytes);
    Flush();
  }

  // Writes what nghttp2 has to send; the rest waits for the socket to become writable.
  void Flush() {
    while (true) {
      if (out_.empty()) {
        const uint8_t* data = nullptr;
        const ssize_t n = nghttp2_session_mem_send(session_, &data);
        if (n <= 0) return;
        out_.assign(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      }
      const ssize_t sent = send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) event_add(write_event_, nullptr);
        return;
      }
      out_.erase(0, static_cast<size_t>(sent));
      if (!out_.empty()) {
        event_add(write_event_, nullptr);
        return;
      }
    }
  }

  // Writes raw bytes (not through nghttp2).
  void SendRaw(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  bool Done(int32_t id) const {
    const auto it = streams.find(id);
    return it != streams.end() && it->second.closed;
  }

  std::map<int32_t, Stream> streams;
  bool eof = false;  // the server closed the connection
  bool goaway = false;
  uint32_t goaway_error = 0;
  int32_t goaway_last_stream = -1;
  std::vector<int32_t> goaway_last_streams;  // every GOAWAY's last stream id, in order
  uint32_t server_max_concurrent_streams = 0;
  uint32_t server_max_header_list_size = 0;

 private:
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                      size_t name_len, const uint8_t* value, size_t value_len, uint8_t,
                      void* data) {
    auto* self = static_cast<H2TestClient*>(data);
    Stream& stream = self->streams[frame->hd.stream_id];
    const std::string n(reinterpret_cast<const char*>(name), name_len);
    const std::string v(reinterpret_cast<const char*>(value), value_len);
    if (n == ":status") {
      const int status = std::stoi(v);
      if (status < 200) {
        stream.interim_statuses.push_back(status);
      } else {
        stream.status = status;
        stream.headers.clear();
      }
    } else if (stream.status != 0) {
      stream.headers.emplace_back(n, v);
    }
    return 0;
  }
  static int OnData(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* bytes,
                    size_t size, void* data) {
    auto* self = static_cast<H2TestClient*>(data);
    Stream& stream = self->streams[id];
    stream.body.append(reinterpret_cast<const char*>(bytes), size);
    if (self->auto_window_) nghttp2_session_consume(session, id, size);
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* data) {
    auto* self = static_cast<H2TestClient*>(data);
    if (frame->hd.type == NGHTTP2_DATA) ++self->streams[frame->hd.stream_id].data_frames;
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      self->streams[frame->hd.stream_id].reset_received = true;
    }
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self->goaway = true;
      self->goaway_error = frame->goaway.error_code;
      self->goaway_last_stream = frame->goaway.last_stream_id;
      self->goaway_last_streams.push_back(frame->goaway.last_stream_id);
    }
    if (frame->hd.type == NGHTTP2_SETTINGS && (frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) {
      for (size_t i = 0; i < frame->settings.niv; ++i) {
        const nghttp2_settings_entry& entry = frame->settings.iv[i];
        if (entry.settings_id == NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) {
          self->server_max_concurrent_streams = entry.value;
        }
        if (entry.settings_id == NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE) {
          self->server_max_header_list_size = entry.value;
        }
      }
    }
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t error_code, void* data) {
    auto* self = static_cast<H2TestClient*>(data);
    Stream& stream = self->streams[id];
    stream.closed = true;
    stream.error_code = error_code;
    return 0;
  }
  static ssize_t ReadRequestBody(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                                 uint32_t* flags, nghttp2_data_source*, void* data) {
    auto* self = static_cast<H2TestClient*>(data);
    Stream& stream = self->streams[id];
    const size_t n = std::min(length, stream.request_body.size() - stream.request_sent);
    std::copy_n(stream.request_body.data() + stream.request_sent, n, buf);
    stream.request_sent += n;
    if (stream.request_sent == stream.request_body.size()) {
      if (stream.request_body_open) {
        if (n == 0) return NGHTTP2_ERR_DEFERRED;
      } else {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
      }
    }
    return static_cast<ssize_t>(n);
  }
  static void OnReadable(evutil_socket_t fd, short, void* arg) {
    auto* self = static_cast<H2TestClient*>(arg);
    char buf[16384];
    while (true) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        self->eof = true;
        event_del(self->read_event_);
        return;
      }
      if (n < 0) break;
      nghttp2_session_mem_recv(self->session_, reinterpret_cast<const uint8_t*>(buf),
                               static_cast<size_t>(n));
    }
    self->Flush();
  }
  static void OnWritable(evutil_socket_t, short, void* arg) {
    static_cast<H2TestClient*>(arg)->Flush();
  }

  event_base* base_;
  int fd_;
  bool auto_window_;
  nghttp2_session* session_ = nullptr;
  event* read_event_ = nullptr;
  event* write_event_ = nullptr;
  std::string out_;  // bytes nghttp2 produced that the socket has not taken yet
  std::list<Fields> sent_fields_;
};

}  // namespace rampart::proxy::testing
