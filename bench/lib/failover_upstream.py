#!/usr/bin/env python3
"""An OpenAI-compatible upstream for bench/failover.sh, on 127.0.0.1 only, keep-alive HTTP/1.1, one thread per
connection. Under the prefix the path starts with, it answers POST .../chat/completions so:

  /ok/v1/...      a static SSE stream (role chunk, three content chunks, finish, usage, [DONE])
  /fail500/v1/... 500 with OpenAI's error object
  /fail429/v1/... 429 with Retry-After: 30 (beyond the gateway's cap, so the router moves on at once)
  /reset/v1/...   the status line and headers of a stream, then a TCP reset before the first chunk

Everything else is 404. It runs until it is killed (failover.sh stops it by its pid).
"""
import argparse
import json
import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = {"id": "chatcmpl-failover", "object": "chat.completion.chunk", "created": 1700000000,
         "model": "gpt-4o-mini", "choices": []}


def event(delta, finish=None, usage=None):
    chunk = dict(CHUNK, choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])
    if usage:
        chunk["usage"] = usage
    return "data: " + json.dumps(chunk) + "\n\n"


STREAM = (event({"role": "assistant", "content": ""}) + event({"content": "Hello"}) + event({"content": "!"})
          + event({"content": " Fallback here."}) + event({}, "stop")
          + "data: " + json.dumps(dict(CHUNK, usage={"prompt_tokens": 21, "completion_tokens": 5,
                                                     "total_tokens": 26})) + "\n\n"
          + "data: [DONE]\n\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the client's delayed ACK add
    # 40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self.path.endswith("/chat/completions"):
            return self.send(404, b'{"error":{"message":"not found","type":"invalid_request_error"}}',
                             "application/json")
        prefix = self.path.split("/")[1]
        if prefix == "ok":
            return self.send(200, STREAM, "text/event-stream")
        if prefix == "fail500":
            return self.send(500, b'{"error":{"message":"The server had an error","type":"server_error",'
                                  b'"param":null,"code":null}}', "application/json")
        if prefix == "fail429":
            return self.send(429, b'{"error":{"message":"Rate limit reached","type":"requests","param":null,'
                                  b'"code":"rate_limit_exceeded"}}', "application/json", [("Retry-After", "30")])
        if prefix == "reset":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(STREAM)))
            self.end_headers()
            self.wfile.flush()
            # Linger 0: close() sends a TCP reset.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        self.send(404, b'{"error":{"message":"unknown prefix","type":"invalid_request_error"}}', "application/json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
