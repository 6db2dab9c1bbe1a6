"""A private containerd with its CRI plugin, and a CRI client that drives it as kubelet does.

Used by scripts/demo.sh and by integration-tests' ContainerdIT. Needs root, Debian's containerd (1.6),
runc, busybox-static, python3-grpcio, python3-protobuf and protobuf-compiler; run it with /usr/bin/python3
(Debian's modules). The stubs for the messages in cri.proto are generated with protoc at run time; the
gRPC calls go through grpc's generic unary call, so no gRPC code generator is needed.

  up DIR CNI_CONF_DIR CNI_BIN_DIR   start containerd on its own config, root, state and socket under DIR
                                    (CRI plugin on, runc v2 shim, cgroupfs, overlayfs, netns under DIR),
                                    import a pause image made from busybox-static; prints {"pid", "socket"}
  run SOCK NAMESPACE NAME [UID]     RunPodSandbox, then PodSandboxStatus (verbose); prints {"id", "ms", "netns",
                                    "ip", "state", "pid"} (ms: the RunPodSandbox call, network set-up included)
  status SOCK ID                    PodSandboxStatus; prints {"id", "state", "ip", "netns", "pid"}
  stop SOCK ID | rm SOCK ID         StopPodSandbox | RemovePodSandbox
  down DIR                          stop and remove every sandbox, stop containerd, and remove what it left
                                    outside DIR: shim sockets in /run/containerd/s, libcni's result cache
                                    entries in /var/lib/cni/results, mounts under DIR
A failing call prints one line "cri: ..." on stderr and exits 1.
"""
import hashlib, importlib, io, json, os, signal, subprocess, sys, tarfile, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
PAUSE_IMAGE = "registry.local/istio-cni-java/pause:busybox"
SHIM_SOCKET_DIR = "/run/containerd/s"      # containerd 1.6: fixed, whatever its state dir
CNI_RESULT_CACHE = "/var/lib/cni/results"  # libcni: fixed, whatever containerd's root
TIMEOUT = 120  # kubelet's default --runtime-request-timeout (2m)


def die(msg):
    sys.stderr.write("cri: %s\n" % msg)
    sys.exit(1)


def stubs():
    out = tempfile.mkdtemp(prefix="cri-stubs-")
    try:
        subprocess.run(["protoc", "-I", HERE, "--python_out=" + out, os.path.join(HERE, "cri.proto")],
                       check=True, capture_output=True, text=True)
    except FileNotFoundError:
        die("protoc not found (Debian package protobuf-compiler)")
    except subprocess.CalledProcessError as e:
        die("protoc failed: " + e.stderr.strip())
    sys.path.insert(0, out)
    sys.dont_write_bytecode = True
    try:
        return importlib.import_module("cri_pb2")
    finally:
        subprocess.run(["rm", "-rf", out])


class Runtime:
    def __init__(self, sock):
        import grpc
        self.grpc = grpc
        self.pb = stubs()
        self.channel = grpc.insecure_channel("unix://" + sock)

    def call(self, method, request, response, timeout=TIMEOUT):
        fn = self.channel.unary_unary("/runtime.v1.RuntimeService/" + method,
                                      request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=getattr(self.pb, response).FromString)
        try:
            return fn(request, timeout=timeout)
        except self.grpc.RpcError as e:
            die("%s: %s: %s" % (method, e.code().name, e.details()))

    def version(self, timeout):
        return self.call("Version", self.pb.VersionRequest(version="v1"), "VersionResponse", timeout)

    def run(self, namespace, name, uid):
        pb = self.pb
        config = pb.PodSandboxConfig(metadata=pb.PodSandboxMetadata(name=name, namespace=namespace, uid=uid),
                                     hostname=name, linux=pb.LinuxPodSandboxConfig())
        t0 = time.monotonic()
        sid = self.call("RunPodSandbox", pb.RunPodSandboxRequest(config=config), "RunPodSandboxResponse")
        ms = (time.monotonic() - t0) * 1000
        return dict(self.status(sid.pod_sandbox_id), ms=round(ms, 1))

    def status(self, sid):
        pb = self.pb
        r = self.call("PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=sid, verbose=True),
                      "PodSandboxStatusResponse")
        info = json.loads(r.info.get("info", "{}"))  # containerd's: the sandbox's OCI spec among others
        namespaces = info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
        netns = next((n.get("path", "") for n in namespaces if n.get("type") == "network"), "")
        return {"id": r.status.id, "state": pb.PodSandboxState.Name(r.status.state),
                "ip": r.status.network.ip, "netns": netns, "pid": info.get("pid", 0)}

    def stop(self, sid, timeout=TIMEOUT):
        self.call("StopPodSandbox", self.pb.StopPodSandboxRequest(pod_sandbox_id=sid), "StopPodSandboxResponse",
                  timeout)

    def remove(self, sid, timeout=TIMEOUT):
        self.call("RemovePodSandbox", self.pb.RemovePodSandboxRequest(pod_sandbox_id=sid),
                  "RemovePodSandboxResponse", timeout)

    def ids(self):
        r = self.call("ListPodSandbox", self.pb.ListPodSandboxRequest(), "ListPodSandboxResponse", 10)
        return [s.id for s in r.items]


CONFIG = """version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "{d}/containerd.sock"
[ttrpc]
  address = "{d}/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "{pause}"
  # no CAP_SYS_RESOURCE in a container-hosted machine: runc could not lower the score otherwise
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  # no AppArmor profile loaded into the host's kernel (it would outlive this containerd)
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "{bin}"
    conf_dir = "{conf}"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "{d}/runc"
"""


def pause_archive(path):
    """A docker-archive image whose only file is busybox-static; the sandbox process sleeps."""
    busybox = "/bin/busybox"
    if not os.path.exists(busybox):
        die("no /bin/busybox (Debian package busybox-static)")
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for d in ("bin", "dev", "proc", "sys", "etc", "tmp"):
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            t.addfile(info)
        t.add(busybox, arcname="bin/busybox")
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "config": {"Entrypoint": ["/bin/busybox", "sleep", "2147483647"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    manifest = json.dumps([{"Config": "config.json", "RepoTags": [PAUSE_IMAGE], "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(path, "w") as t:
        for name, data in (("layer.tar", layer_bytes), ("config.json", config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def up(d, conf, bin_dir):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.toml"), "w") as f:
        f.write(CONFIG.format(d=d, conf=conf, bin=bin_dir, pause=PAUSE_IMAGE))
    sock = os.path.join(d, "containerd.sock")
    log = open(os.path.join(d, "containerd.log"), "ab")
    try:
        p = subprocess.Popen(["containerd", "--config", os.path.join(d, "config.toml")], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=log, start_new_session=True)
    except FileNotFoundError:
        die("containerd not found (Debian package containerd)")
    with open(os.path.join(d, "containerd.pid"), "w") as f:
        f.write(str(p.pid))
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):
        if p.poll() is not None:
            die("containerd exited with %d (log: %s/containerd.log)" % (p.returncode, d))
        if time.monotonic() > deadline:
            die("containerd did not open %s within 30 s" % sock)
        time.sleep(0.05)
    rt = Runtime(sock)
    while True:
        try:
            rt.version(2)
            break
        except SystemExit:
            if time.monotonic() > deadline or p.poll() is not None:
                raise
            time.sleep(0.1)
    archive = os.path.join(d, "pause.tar")
    pause_archive(archive)
    r = subprocess.run(["ctr", "-a", sock, "-n", "k8s.io", "images", "import", archive],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode != 0:
        die("ctr images import: " + (r.stderr.strip() or r.stdout.strip()))
    print(json.dumps({"pid": p.pid, "socket": sock}))


def shim_sockets(d, ids):
    """containerd 1.6's shim socket name: sha256 of <containerd address>/<namespace>/<id>."""
    out = []
    for address in (os.path.join(d, "containerd.sock"), os.path.join(d, "containerd.sock.ttrpc")):
        for i in ids:
            h = hashlib.sha256(os.path.join(address, "k8s.io", i).encode()).hexdigest()
            out += [os.path.join(SHIM_SOCKET_DIR, h), os.path.join(SHIM_SOCKET_DIR, h + ".debug")]
    return out


def down(d):
    d = os.path.abspath(d)
    sock = os.path.join(d, "containerd.sock")
    ids = set()
    task_dir = os.path.join(d, "state", "io.containerd.runtime.v2.task", "k8s.io")
    if os.path.exists(sock):
        try:
            rt = Runtime(sock)
            for sid in rt.ids():
                ids.add(sid)
                for step in (rt.stop, rt.remove):
                    try:
                        step(sid, 20)  # bounded: a hung containerd is killed below
                    except SystemExit:
                        pass
        except SystemExit:
            pass
    if os.path.isdir(task_dir):
        ids.update(os.listdir(task_dir))
    try:
        pid = int(open(os.path.join(d, "containerd.pid")).read())
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:
                pass
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass
    # shims and containers a failed run may have left behind
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"containerd-shim-runc-v2") and sock.encode() in argv:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
    runc_root = os.path.join(d, "runc", "k8s.io")
    if os.path.isdir(runc_root):
        for cid in os.listdir(runc_root):
            ids.add(cid)
            subprocess.run(["runc", "--root", runc_root, "delete", "--force", cid], capture_output=True)
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == d or point.startswith(d + "/"):
                mounts.append(point)
    for point in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    for path in shim_sockets(d, ids):
        if os.path.lexists(path):
            os.unlink(path)
    if os.path.isdir(CNI_RESULT_CACHE):
        for name in os.listdir(CNI_RESULT_CACHE):
            if any(("-%s-" % i) in name for i in ids):
                os.unlink(os.path.join(CNI_RESULT_CACHE, name))
    for empty in (SHIM_SOCKET_DIR, "/run/containerd", CNI_RESULT_CACHE, os.path.dirname(CNI_RESULT_CACHE)):
        try:
            os.rmdir(empty)
        except OSError:
            pass
    print(json.dumps({"removed_sandboxes": sorted(ids)}))


def main(argv):
    if len(argv) < 2:
        die("usage: see the docstring of " + argv[0])
    cmd, args = argv[1], argv[2:]
    if cmd == "up" and len(args) == 3:
        up(*args)
    elif cmd == "down" and len(args) == 1:
        down(args[0])
    elif cmd == "run" and len(args) in (3, 4):
        uid = args[3] if len(args) == 4 else hashlib.sha1((args[1] + "/" + args[2]).encode()).hexdigest()[:32]
        print(json.dumps(Runtime(args[0]).run(args[1], args[2], uid)))
    elif cmd == "status" and len(args) == 2:
        print(json.dumps(Runtime(args[0]).status(args[1])))
    elif cmd == "stop" and len(args) == 2:
        Runtime(args[0]).stop(args[1])
    elif cmd == "rm" and len(args) == 2:
        Runtime(args[0]).remove(args[1])
    else:
        die("bad arguments: " + " ".join(argv[1:]))


if __name__ == "__main__":
    main(sys.argv)
