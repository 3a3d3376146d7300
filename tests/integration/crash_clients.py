#!/usr/bin/python3
"""crash_clients.py - certificate requests in parallel, for crash tests.

usage: crash_clients.py CMS_URL CA_FILE TOKENS_FILE CSR_FILE OUT_FILE

Four threads post one request per token (TOKENS_FILE: one per line) to
CMS_URL/v1/certs, each with the CSR in CSR_FILE, until their tokens run
out or pvacms stops answering (it is killed under them).  OUT_FILE gets
the cert_id of every 201 answer received, one per line: the
certificates a client holds, which must survive the crash.
"""
import json
import ssl
import sys
import threading
import urllib.error
import urllib.request

cms, ca_file, tokens_file, csr_file, out_file = sys.argv[1:6]
tokens = [t.strip() for t in open(tokens_file) if t.strip()]
csr = open(csr_file).read()
ctx = ssl.create_default_context(cafile=ca_file)
received = []
lock = threading.Lock()


def client(mine):
    for token in mine:
        body = json.dumps({"type": "jwt", "usage": "client", "csr": csr,
                           "data": {"token": token}}).encode()
        req = urllib.request.Request(cms + "/v1/certs", data=body,
                                     headers={"Content-Type":
                                              "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10,
                                        context=ctx) as resp:
                answer = json.loads(resp.read())
                if resp.status == 201:
                    with lock:
                        received.append(answer["cert_id"])
        except urllib.error.HTTPError:
            continue
        except Exception:
            return              # pvacms is gone


threads = [threading.Thread(target=client, args=(tokens[i::4],))
           for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(out_file, "w") as f:
    for cert_id in received:
        f.write(cert_id + "\n")
