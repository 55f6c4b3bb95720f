"""A webhook receiver for the alerting scenario: each POST body is one line of DIR/webhook.jsonl."""

import http.server
import json
import os
import sys

host, port, directory = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(directory, exist_ok=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(directory, "webhook.jsonl"), "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"path": self.path, "body": json.loads(body)}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((host, port), Handler).serve_forever()
