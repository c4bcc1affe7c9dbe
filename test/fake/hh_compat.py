#!/usr/bin/env python3
"""Fidelity check: drive the fake with the real `huggingface_hub` client.

Usage:
    python3 test/fake/hh_compat.py HH_SOURCE_DIR [--url http://127.0.0.1:PORT]

HH_SOURCE_DIR is a checkout of github.com/huggingface/huggingface_hub (the
repository root or its `src/` directory).  Without it the check is skipped
(exit 0).  Needs httpx, pyyaml, tqdm, filelock, fsspec, packaging and numpy
(Debian: python3-httpx python3-yaml python3-tqdm python3-filelock
python3-fsspec python3-packaging python3-numpy).  Without --url it starts
test/fake/hf_fake on an ephemeral port and stops it at the end.

Every check prints "ok - ..." or "FAIL - ..."; the exit status is the number
of failures (capped at 100).
"""

import json
import os
import subprocess
import sys
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "hf_fake_token"


def main(argv):
    args = [a for a in argv[1:]]
    url = None
    if "--url" in args:
        i = args.index("--url")
        url = args[i + 1]
        del args[i : i + 2]
    if not args:
        print("SKIP: hh_compat.py needs the huggingface_hub source directory as its argument")
        return 0
    src = os.path.abspath(args[0])
    if os.path.isdir(os.path.join(src, "src", "huggingface_hub")):
        src = os.path.join(src, "src")
    if not os.path.isdir(os.path.join(src, "huggingface_hub")):
        print(f"SKIP: no huggingface_hub package under {args[0]}")
        return 0

    proc = None
    if url is None:
        proc = subprocess.Popen([os.path.join(HERE, "hf_fake"), "--port", "0", "--token", TOKEN], stdout=subprocess.PIPE, text=True)
        line = proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ready":
            print("FAIL - hf_fake did not start")
            return 1
        url = f"http://127.0.0.1:{line[1]}"
    try:
        return run(src, url.rstrip("/"))
    finally:
        if proc:
            proc.terminate()
            proc.wait(5)


def fake(url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def run(src, url):
    # The Hub URL is read from the environment at import time (doc/protocol.md §1.1).
    os.environ["HF_ENDPOINT"] = url
    os.environ["HF_TOKEN"] = TOKEN  # list(namespace="*") calls a helper without the token (HH bug, doc/protocol.md §1.5)
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ.pop("HF_HUB_OFFLINE", None)
    sys.path.insert(0, src)
    import huggingface_hub
    from huggingface_hub import HfApi, constants
    from huggingface_hub.errors import HfHubHTTPError, InferenceEndpointError
    import huggingface_hub.hf_api as hf_api_mod

    constants.INFERENCE_ENDPOINTS_ENDPOINT = url + "/v2"
    constants.INFERENCE_CATALOG_ENDPOINT = url + "/api/catalog"
    for mod in (hf_api_mod,):  # in case a module imported the constants by value
        for name in ("INFERENCE_ENDPOINTS_ENDPOINT", "INFERENCE_CATALOG_ENDPOINT"):
            if hasattr(mod, name):
                setattr(mod, name, getattr(constants, name))

    print(f"# huggingface_hub {huggingface_hub.__version__} from {src} against {url}")
    fake(url, "POST", "/_fake/reset")
    fake(url, "POST", "/_fake/config", {"pending_ms": 100, "initializing_ms": 100, "updating_ms": 100, "cold_start_ms": 300})

    failures = []

    def check(name, fn):
        try:
            detail = fn()
            print(f"ok - {name}" + (f" ({detail})" if detail else ""))
        except Exception as e:  # noqa: BLE001 -- report and continue
            failures.append(name)
            print(f"FAIL - {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3, file=sys.stdout)

    def expect(cond, msg):
        if not cond:
            raise AssertionError(msg)

    api = HfApi(token=TOKEN)
    common = dict(framework="pytorch", accelerator="cpu", vendor="aws", region="us-east-1", instance_size="x2", instance_type="intel-icl")
    st = {}

    def whoami():
        me = api.whoami()
        expect(me["name"] == "fake-user" and me["type"] == "user", me)
        expect([o["name"] for o in me["orgs"]] == ["fake-org"], me["orgs"])
        return f"user={me['name']} orgs={[o['name'] for o in me['orgs']]}"

    def bad_token():
        try:
            HfApi(token="hf_invalid").whoami()
        except HfHubHTTPError as e:
            expect(e.response.status_code == 401, e.response.status_code)
            return "401"
        raise AssertionError("no error")

    def create():
        # A TGI container: with the default image ({"huggingface": {}}) the fake
        # serves the inference toolkit, which has no details, stream or chat.
        ep = api.create_inference_endpoint(
            "hh-tgi", repository="gpt2", task="text-generation", type="protected",
            custom_image={"url": "ghcr.io/huggingface/text-generation-inference:3.3.6", "health_route": "/health"},
            env={"A": "1"}, secrets={"S": "secret"}, tags=["dev"], scale_to_zero_timeout=30,
            scaling_metric="pendingRequests", scaling_threshold=1.5, **common)
        st["tgi"] = ep
        expect(ep.status == "pending" and ep.url is None, (ep.status, ep.url))
        expect(ep.raw["model"]["secrets"] == {"S": "secret"}, ep.raw["model"])
        expect(ep.raw["compute"]["scaling"]["metric"] == "pendingRequests", ep.raw["compute"])
        return f"status={ep.status}"

    def create_duplicate():
        try:
            api.create_inference_endpoint("hh-tgi", repository="gpt2", **common)
        except HfHubHTTPError as e:
            expect(e.response.status_code == 409, e.response.status_code)
            return "409"
        raise AssertionError("no error")

    def create_org_and_embed():
        api.create_inference_endpoint("hh-org", repository="gpt2", task="text-generation", namespace="fake-org", **common)
        ep = api.create_inference_endpoint(
            "hh-emb", repository="BAAI/bge-small-en-v1.5", task="feature-extraction",
            custom_image={"url": "ghcr.io/huggingface/text-embeddings-inference:cpu-1.7.1", "health_route": "/health"}, **common)
        st["emb"] = ep
        expect(ep.raw["model"]["image"]["custom"]["url"].startswith("ghcr.io"), ep.raw["model"]["image"])
        return "fake-org/hh-org, hh-emb"

    def get():
        ep = api.get_inference_endpoint("hh-tgi")
        expect(ep.name == "hh-tgi" and ep.repository == "gpt2" and ep.namespace == "fake-user", ep)
        expect(ep.created_at.tzinfo is not None, ep.created_at)
        return f"status={ep.status}"

    def list_eps():
        names = [e.name for e in api.list_inference_endpoints()]
        expect(names == ["hh-tgi", "hh-emb"], names)
        all_names = [(e.namespace, e.name) for e in api.list_inference_endpoints(namespace="*")]
        expect(all_names == [("fake-user", "hh-tgi"), ("fake-user", "hh-emb"), ("fake-org", "hh-org")], all_names)
        return f"*={all_names}"

    def wait():
        ep = st["tgi"].wait(timeout=20, refresh_every=1)
        expect(ep.status == "running" and ep.url.endswith("/endpoints/fake-user/hh-tgi"), (ep.status, ep.url))
        st["emb"].wait(timeout=20, refresh_every=1)
        return f"url={ep.url.split('/endpoints/')[1]}"

    def text_generation():
        c = st["tgi"].client
        full = c.text_generation("I am")   # TGI `/` defaults return_full_text to true for text-generation
        expect(full.startswith("I am ") and len(full.split()) == 22, full)
        a = c.text_generation("I am", max_new_tokens=5, return_full_text=False)
        b = c.text_generation("I am", max_new_tokens=5, return_full_text=False)
        expect(isinstance(a, str) and a == b and len(a.split()) == 5, a)
        d = c.text_generation("I am", max_new_tokens=3, details=True, seed=7, do_sample=True)
        expect(d.details.generated_tokens == 3 and d.details.seed == 7, d)
        e = c.text_generation("echo:héllo wörld ✓", return_full_text=False)
        expect(e == "héllo wörld ✓", e)
        s = c.text_generation("echo:one two three four", stop=["two"], return_full_text=False)
        expect(s == "one two", s)
        return repr(a)

    def text_generation_validation():
        from huggingface_hub.errors import ValidationError
        try:
            st["tgi"].client.text_generation("I am", temperature=0.0)
        except ValidationError as e:
            expect("strictly positive" in str(e), e)
            return "ValidationError"
        raise AssertionError("no error")

    def chat():
        r = st["tgi"].client.chat_completion(messages=[{"role": "user", "content": "echo:héllo ✓"}])
        expect(r.choices[0].message.content == "héllo ✓", r)
        expect(r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, r.usage)
        r2 = st["tgi"].client.chat_completion(messages=[{"role": "user", "content": "hi"}], max_tokens=4, seed=1)
        expect(len(r2.choices[0].message.content.split()) == 4 and r2.choices[0].finish_reason == "length", r2)
        c = st["tgi"].client  # keep a reference: the client's exit stack owns the open stream
        chunks = list(c.chat_completion(messages=[{"role": "user", "content": "echo:a b c"}], stream=True))
        expect("".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices) == "a b c", chunks)
        return repr(r2.choices[0].message.content)

    def stream_generation():
        c = st["tgi"].client  # keep a reference: the client's exit stack owns the open stream
        toks = list(c.text_generation("echo:x y z", stream=True, return_full_text=False))
        expect("".join(toks) == "x y z", toks)
        return f"{len(toks)} tokens"

    def feature_extraction():
        v = st["emb"].client.feature_extraction("hello")
        expect(v.shape == (1, 8), v.shape)
        n = float((v[0] ** 2).sum())
        expect(abs(n - 1) < 1e-5, n)
        v2 = st["emb"].client.feature_extraction(["a", "b"], normalize=False)
        expect(v2.shape == (2, 8), v2.shape)
        return f"shape={v.shape}"

    def pause_resume():
        ep = st["tgi"].pause()
        expect(ep.status == "paused" and ep.url is None, (ep.status, ep.url))
        ep = st["tgi"].resume()
        expect(ep.status == "pending", ep.status)
        ep.wait(timeout=20, refresh_every=1)
        ep = api.resume_inference_endpoint("hh-tgi")   # already running -> 400 -> GET (running_ok)
        expect(ep.status == "running", ep.status)
        try:
            api.resume_inference_endpoint("hh-tgi", running_ok=False)
            raise AssertionError("no error")
        except HfHubHTTPError as e:
            expect(e.response.status_code == 400 and "already running" in e.response.text, e.response.text)
        return "paused -> pending -> running; resume twice ok"

    def scale_to_zero():
        ep = st["tgi"].scale_to_zero()
        expect(ep.status == "scaledToZero" and ep.url is not None, (ep.status, ep.url))
        try:
            ep.client.text_generation("I am")
            raise AssertionError("no 503")
        except HfHubHTTPError as e:
            expect(e.response.status_code == 503, e.response.status_code)
        ep.fetch()
        expect(ep.status == "initializing" and ep.url is not None, (ep.status, ep.url))
        ep.wait(timeout=20, refresh_every=1)
        expect(ep.status == "running", ep.status)
        return "503 then woken"

    def update():
        ep = api.update_inference_endpoint("hh-tgi", min_replica=0, max_replica=2, env={"B": "2"}, container_args=["--x"], tags=["prod"])
        expect(ep.status == "updating", ep.status)
        expect(ep.raw["compute"]["scaling"]["maxReplica"] == 2 and ep.raw["model"]["env"] == {"B": "2"}, ep.raw)
        expect(ep.raw["model"]["secrets"] == {"S": "secret"} and ep.raw["tags"] == ["prod"], ep.raw)
        ep.wait(timeout=20, refresh_every=1)
        ep2 = st["tgi"].update(repository="gpt2-medium")
        expect(ep2.repository == "gpt2-medium", ep2.repository)
        return f"status={ep.status}"

    def hardware():
        hw = api.list_inference_endpoints_hardware()
        ids = [h.id for h in hw]
        expect("aws-us-east-1-nvidia-l4-x1" in ids and "aws-us-east-1-intel-icl-x2" in ids, ids)
        cpu = [h for h in hw if h.id == "aws-us-east-1-intel-icl-x4"][0]
        expect(cpu.num_cpus is None and cpu.gpu_memory_gb is None, cpu)
        return f"{len(hw)} computes"

    def catalog():
        models = api.list_inference_catalog()
        expect("meta-llama/Llama-3.2-3B-Instruct" in models, models)
        ep = api.create_inference_endpoint_from_catalog("meta-llama/Llama-3.2-3B-Instruct")
        expect(ep.status == "pending" and ep.raw["compute"]["scaling"]["metric"] == "hardwareUsage", ep.raw)
        return ep.name

    def delete():
        api.delete_inference_endpoint("hh-tgi")
        try:
            api.get_inference_endpoint("hh-tgi")
            raise AssertionError("still there")
        except HfHubHTTPError as e:
            expect(e.response.status_code == 404, e.response.status_code)
        return "404 after delete"

    def client_not_deployed():
        ep = api.create_inference_endpoint("hh-late", repository="gpt2", task="text-generation", **common)
        try:
            ep.client
            raise AssertionError("no error")
        except InferenceEndpointError:
            return "InferenceEndpointError"

    for name, fn in [
        ("whoami", whoami), ("whoami with an invalid token", bad_token),
        ("create_inference_endpoint", create), ("create duplicate -> 409", create_duplicate),
        ("create in org namespace + TEI endpoint", create_org_and_embed),
        ("get_inference_endpoint", get), ("list_inference_endpoints (own and '*')", list_eps),
        ("wait()", wait), ("client.text_generation", text_generation),
        ("text_generation validation error", text_generation_validation),
        ("text_generation stream", stream_generation),
        ("client.chat_completion", chat), ("client.feature_extraction", feature_extraction),
        ("pause / resume / resume(running_ok)", pause_resume), ("scale_to_zero + wake-up", scale_to_zero),
        ("update_inference_endpoint", update), ("list_inference_endpoints_hardware", hardware),
        ("catalog (list + deploy)", catalog), ("delete_inference_endpoint", delete),
        ("client of a pending endpoint", client_not_deployed),
    ]:
        check(name, fn)

    print(f"# {len(failures)} failure(s)" + (f": {', '.join(failures)}" if failures else ""))
    return min(len(failures), 100)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
