"""Runs a CNI configuration list the way a container runtime (libcni) does.

cni-runtime.py ADD|DEL CONFLIST CNI_PATH CONTAINER_ID NETNS CNI_ARGS STATE_FILE
ADD execs each plugin in order with the previous result as prevResult, prints the final result and keeps it in
STATE_FILE; DEL execs them in reverse order with that result. Exit status 1 (and the plugin's error object on
stdout) when a plugin fails.
"""
import json, os, subprocess, sys

command, conflist_file, cni_path, container_id, netns, cni_args, state_file = sys.argv[1:8]
conflist = json.load(open(conflist_file))

def find(plugin_type):
    for d in cni_path.split(":"):
        p = os.path.join(d, plugin_type)
        if os.access(p, os.X_OK):
            return p
    sys.exit("plugin %s not found in %s" % (plugin_type, cni_path))

def run(plugin, prev):
    conf = dict(plugin, cniVersion=conflist["cniVersion"], name=conflist["name"])
    if prev is not None:
        conf["prevResult"] = prev
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=container_id, CNI_NETNS=netns,
               CNI_IFNAME="eth0", CNI_PATH=cni_path, CNI_ARGS=cni_args)
    p = subprocess.run([find(plugin["type"])], input=json.dumps(conf).encode(), env=env, capture_output=True)
    if p.returncode != 0:
        sys.stdout.write("%s %s failed: %s\n" % (plugin["type"], command, p.stdout.decode()))
        sys.stderr.write(p.stderr.decode())
        sys.exit(1)
    return json.loads(p.stdout) if p.stdout.strip() else None

if command == "ADD":
    result = None
    for plugin in conflist["plugins"]:
        result = run(plugin, result)
    json.dump(result, open(state_file, "w"))
    print(json.dumps(result))
else:
    result = json.load(open(state_file)) if os.path.exists(state_file) else None
    for plugin in reversed(conflist["plugins"]):
        run(plugin, result)
