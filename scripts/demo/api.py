"""The one thing the CNI plugin asks the Kubernetes API: GET /api/v1/namespaces/NS/pods/NAME.

Serves the pods of a JSON file ({"ns/name": pod}) over TLS on 127.0.0.1 with the given certificate,
checks the bearer token, and prints its port. Demo use only.
"""
import http.server, json, ssl, sys

pods_file, cert, key, token = sys.argv[1:5]
pods = json.load(open(pods_file))

class Api(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        parts = self.path.split("/")
        ok_path = len(parts) == 7 and parts[1:4] == ["api", "v1", "namespaces"] and parts[5] == "pods"
        if self.headers.get("Authorization") != "Bearer " + token:
            return self.reply(401, {"kind": "Status", "message": "Unauthorized", "code": 401})
        pod = pods.get(parts[4] + "/" + parts[6]) if ok_path else None
        if pod is None:
            return self.reply(404, {"kind": "Status", "code": 404,
                                    "message": 'pods "%s" not found' % (parts[-1],)})
        self.reply(200, pod)

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("api: " + (fmt % args) + "\n")

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
