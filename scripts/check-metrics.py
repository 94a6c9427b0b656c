#!/usr/bin/env python3
"""Lints a busy server's /metrics with promtool.

Starts `monitron serve` (every role, its own SQLite file) with one monitor of every
service type, a domain, a heartbeat and a pull instance backed by a real `monitron-agent`,
against local targets (an HTTP server, a TLS server with a generated certificate, an RDAP
registry, Mosquitto on 1883), waits until /metrics carries every per-monitor family, and
runs `promtool check metrics` on it. An empty server would hide names promtool refuses.

Usage: check-metrics.py MONITRON_BIN AGENT_BIN
"""

import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

FAMILIES = [
    "monitron_monitor_up",
    "monitron_monitor_response_seconds",
    "monitron_certificate_expiry_timestamp_seconds",
    "monitron_domain_expiry_timestamp_seconds",
    "monitron_instance_cpu_usage_pct",
    "monitron_instance_memory_used_pct",
    "monitron_instance_disk_used_pct",
]
ADMIN = ("metrics@example.com", "metrics-admin-password-1")
AGENT_KEY = "metrics-agent-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_http(handler_class):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def rdap_registry():
    """A bootstrap file and one RDAP answer: example.com expires in 400 days."""
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 400 * 86400))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/dns.json":
                body = {"services": [[["com"], [f"http://127.0.0.1:{port}/"]]]}
            elif self.path == "/domain/example.com":
                body = {"ldhName": "example.com",
                        "events": [{"eventAction": "expiration", "eventDate": expires}]}
            else:
                self.send_error(404)
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    port = serve_http(Handler)
    return port


def http_target():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return serve_http(Handler)


def tls_target(work, processes):
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = free_port()
    processes.append(subprocess.Popen(
        ["openssl", "s_server", "-quiet", "-accept", str(port), "-cert", cert, "-key", key, "-www"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
    return port


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def wait_until(what, seconds, ready):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"check-metrics: {what} within {seconds} s")


def main():
    monitron, agent = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="monitron-metrics-")
    processes = []
    try:
        rdap = rdap_registry()
        target = http_target()
        tls = tls_target(work, processes)
        agent_port = free_port()
        processes.append(subprocess.Popen([agent], env={
            "PATH": os.environ.get("PATH", ""),
            "MONITRON_AGENT_LISTEN": f"127.0.0.1:{agent_port}",
            "MONITRON_AGENT_AUTH": "api_key",
            "MONITRON_AGENT_API_KEY": AGENT_KEY,
            "MONITRON_AGENT_DATA_DIR": os.path.join(work, "agent"),
        }, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        processes.append(subprocess.Popen([monitron, "serve"], cwd=work, env={
            "PATH": os.environ.get("PATH", ""),
            "PORT": str(port),
            "BIND_ADDRESS": "127.0.0.1",
            "DATA_DIR": os.path.join(work, "data"),
            "LOG_LEVEL": "warn",
            "INITIAL_ADMIN_EMAIL": ADMIN[0],
            "INITIAL_ADMIN_PASSWORD": ADMIN[1],
            "RDAP_BOOTSTRAP_URL": f"http://127.0.0.1:{rdap}/dns.json",
            "WHOIS_SERVER": "127.0.0.1:9",
            "DOMAIN_DNS_RESOLVER": "127.0.0.1:9",
        }, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until("the server did not start", 60,
                   lambda: urllib.request.urlopen(base + "/readyz", timeout=2).status == 200)
        token = call(base, "POST", "/api/v1/auth/login",
                     {"login": ADMIN[0], "password": ADMIN[1]})["data"]["access_token"]
        services = [
            ("http", {"url": f"http://127.0.0.1:{target}/health"}),
            ("tcp", {"host": "127.0.0.1", "port": target}),
            ("ping", {"host": "127.0.0.1"}),
            ("dns", {"name": "example.com", "resolver": "127.0.0.1:9"}),
            ("grpc", {"host": "127.0.0.1", "port": 9}),
            ("mqtt", {"host": "127.0.0.1", "topic": "monitron/metrics-check"}),
            ("tls", {"host": "localhost", "port": tls}),
            ("heartbeat", {"schedule": {"every_s": 3600}}),
        ]
        for check_type, config in services:
            created = call(base, "POST", "/api/v1/services",
                           {"name": check_type, "type": check_type, "interval_s": 5,
                            "timeout_s": 3, "config": config}, token)["data"]
            if check_type == "heartbeat":
                urllib.request.urlopen(created["ping_url"], timeout=10).read()
        call(base, "POST", "/api/v1/domains",
             {"domain": "example.com", "check_ssl": False}, token)
        call(base, "POST", "/api/v1/instances",
             {"name": "this host", "host": "127.0.0.1", "agent_port": agent_port,
              "interval_s": 2, "agent_auth": {"type": "api_key", "api_key": AGENT_KEY}}, token)

        def exposition():
            with urllib.request.urlopen(base + "/metrics", timeout=10) as response:
                return response.read().decode()

        def complete():
            text = exposition()
            return all(any(line.startswith(family + "{") for line in text.splitlines())
                       for family in FAMILIES)

        wait_until("not every per-monitor metric family appeared", 60, complete)
        text = exposition()
        lint = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                              capture_output=True)
        sys.stdout.write(lint.stdout.decode() + lint.stderr.decode())
        if lint.returncode != 0:
            sys.exit("check-metrics: promtool refused the exposition above")
        kinds = sorted({line.split('type="')[1].split('"')[0]
                        for line in text.splitlines()
                        if line.startswith("monitron_monitor_up{") and 'type="' in line})
        print(f"promtool: /metrics is valid with monitors of types {', '.join(kinds)}")
    finally:
        for process in processes:
            process.kill()
            process.wait()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
