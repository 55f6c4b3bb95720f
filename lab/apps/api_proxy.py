"""Lab API proxy: an OpenAI/Midjourney-style relay, as deployed on port 3002.

Apps like this hold one upstream API key and hand out their own keys to
users; whoever reaches the port with a valid key spends the upstream quota.
This lab version keeps that shape:

- ``GET /`` a small public web page (the chat front end);
- ``GET /health`` answers without a key (load balancer check);
- ``/v1/models``, ``/v1/chat/completions`` (JSON or streamed SSE) and
  ``/mj/submit/imagine``, ``/mj/task/{id}/fetch`` need ``Authorization:
  Bearer <key>`` with a key from ``API_PROXY_KEYS``;
- ``/v1/realtime`` is a websocket (OpenAI realtime style) that needs the key
  too and echoes each message back;
- each answered request is counted against the key's quota and the usage is
  at ``/v1/dashboard/billing/usage``.

The "upstream model" is local (it echoes the prompt), so the lab needs no
network access or real API key.
"""

import asyncio
import json
import os
import secrets
import time
import uuid

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

KEYS = {k.strip() for k in os.environ.get("API_PROXY_KEYS", "").split(",") if k.strip()}
QUOTA = int(os.environ.get("API_PROXY_QUOTA", "1000"))
USAGE = {}
TASKS = {}

app = FastAPI(title="API proxy (lab)", docs_url=None, redoc_url=None)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI proxy</title></head>
<body><h1>AI proxy</h1>
<p>OpenAI-compatible endpoint at <code>/v1</code>, Midjourney tasks at <code>/mj</code>.</p>
</body></html>
"""


def _key_from(authorization, mj_secret):
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return (mj_secret or "").strip()


def require_key(authorization=None, mj_secret=None):
    """Return the caller's key or raise 401; charge one unit of quota."""
    key = _key_from(authorization, mj_secret)
    if not KEYS or not any(secrets.compare_digest(key, k) for k in KEYS):
        raise HTTPException(
            status_code=401,
            detail={"error": {"message": "invalid or missing API key", "type": "invalid_request_error"}},
        )
    used = USAGE.get(key, 0)
    if used >= QUOTA:
        raise HTTPException(status_code=429, detail={"error": {"message": "quota exhausted"}})
    USAGE[key] = used + 1
    return key


@app.get("/", response_class=HTMLResponse)
def index():
    return PAGE


@app.get("/health")
def health():
    return {"status": "ok"}


@app.get("/v1/models")
def models(authorization: str = Header(None)):
    require_key(authorization)
    return {"object": "list", "data": [{"id": "lab-echo-1", "object": "model", "owned_by": "lab"}]}


@app.get("/v1/dashboard/billing/usage")
def usage(authorization: str = Header(None)):
    key = require_key(authorization)
    return {"used": USAGE[key], "quota": QUOTA}


@app.post("/v1/chat/completions")
async def chat(request: Request, authorization: str = Header(None)):
    require_key(authorization)
    body = await request.json()
    messages = body.get("messages") or [{"content": ""}]
    reply = "echo: " + str(messages[-1].get("content", ""))
    cid = "chatcmpl-" + uuid.uuid4().hex[:20]
    model = body.get("model", "lab-echo-1")
    if not body.get("stream"):
        return {
            "id": cid,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
        }

    async def events():
        for word in reply.split(" "):
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "model": model,
                "choices": [{"index": 0, "delta": {"content": word + " "}}],
            }
            yield f"data: {json.dumps(chunk)}\n\n"
            await asyncio.sleep(0.05)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@app.post("/mj/submit/imagine")
async def imagine(request: Request, authorization: str = Header(None), mj_api_secret: str = Header(None)):
    require_key(authorization, mj_api_secret)
    body = await request.json()
    task = uuid.uuid4().hex[:16]
    TASKS[task] = {
        "id": task,
        "prompt": body.get("prompt", ""),
        "status": "SUCCESS",
        "submitTime": int(time.time() * 1000),
    }
    return {"code": 1, "description": "submitted", "result": task}


@app.get("/mj/task/{task}/fetch")
def fetch(task: str, authorization: str = Header(None), mj_api_secret: str = Header(None)):
    require_key(authorization, mj_api_secret)
    if task not in TASKS:
        return JSONResponse({"code": 4, "description": "task not found"}, status_code=404)
    return TASKS[task]


@app.websocket("/v1/realtime")
async def realtime(ws: WebSocket):
    try:
        require_key(ws.headers.get("authorization"))
    except HTTPException:
        await ws.close(code=1008)
        return
    await ws.accept()
    async for message in ws.iter_text():
        await ws.send_text("echo: " + message)


if __name__ == "__main__":
    uvicorn.run(
        app,
        host=os.environ.get("API_PROXY_HOST", "0.0.0.0"),
        port=int(os.environ.get("API_PROXY_PORT", "3002")),
        proxy_headers=True,
        log_level="info",
    )
