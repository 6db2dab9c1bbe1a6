"""What the CNI plugin and the node agent ask the Kubernetes API, for the demo and ContainerdIT.

Serves the pods of a JSON file ({"ns/name": pod}) over TLS on 127.0.0.1 with the given certificate, checks the
bearer token, and prints its port:
  - GET /api/v1/namespaces/NS/pods/NAME (the plugin's and the agent's live GET);
  - GET /api/v1/pods?fieldSelector=spec.nodeName=NODE (the agent's informer: the list, then a watch kept open
    with no events).
Each pod is given the node NODE (the optional fifth argument), resourceVersion 1, and the UID that
scripts/lib/cri/cri.py gives the sandbox of the same name (sha1 of "ns/name", 32 hex digits), so that the agent's
cache matches K8S_POD_UID as on a real node. Demo and test use only.
"""
import hashlib, http.server, json, ssl, sys, time, urllib.parse

pods_file, cert, key, token = sys.argv[1:5]
node = sys.argv[5] if len(sys.argv) > 5 else ""
pods = json.load(open(pods_file))
for ref, pod in pods.items():
    pod["metadata"].setdefault("uid", hashlib.sha1(ref.encode()).hexdigest()[:32])
    pod["metadata"].setdefault("resourceVersion", "1")
    if node:
        pod.setdefault("spec", {}).setdefault("nodeName", node)

class Api(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer " + token:
            return self.reply(401, {"kind": "Status", "message": "Unauthorized", "code": 401})
        path, _, query = self.path.partition("?")
        if path == "/api/v1/pods":
            return self.node_pods(urllib.parse.parse_qs(query))
        parts = path.split("/")
        ok_path = len(parts) == 7 and parts[1:4] == ["api", "v1", "namespaces"] and parts[5] == "pods"
        pod = pods.get(parts[4] + "/" + parts[6]) if ok_path else None
        if pod is None:
            return self.reply(404, {"kind": "Status", "code": 404,
                                    "message": 'pods "%s" not found' % (parts[-1],)})
        self.reply(200, pod)

    def node_pods(self, query):
        if query.get("watch", [""])[0] in ("true", "1"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            time.sleep(3600)  # no events; the agent's client ends the watch and watches again, as with a real server
            return
        selector = query.get("fieldSelector", [""])[0]
        wanted = selector[len("spec.nodeName="):] if selector.startswith("spec.nodeName=") else None
        items = [p for p in pods.values() if wanted is None or p.get("spec", {}).get("nodeName") == wanted]
        self.reply(200, {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "1"},
                         "items": items})

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
server.daemon_threads = True
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
