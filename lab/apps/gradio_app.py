"""Lab Gradio app: a small "digital human" video generator front end.

It behaves like the Gradio apps that get deployed on public servers: it takes
a portrait image and a voice recording as uploads, queues the job, streams
progress while it "renders", and writes a result file to its output
directory. Like those apps, it has no login and listens where
GRADIO_SERVER_NAME says (0.0.0.0 in the lab, as deployed in the wild).

The rendering is a real but cheap computation (a WAV track whose length
follows the script), so the lab needs no GPU and no model weights.
"""

import hashlib
import math
import os
import struct
import time
import wave

import gradio as gr

OUTPUT_DIR = os.environ.get("LAB_OUTPUT_DIR", "/srv/aiguard-lab/gradio/outputs")
RENDER_STEPS = int(os.environ.get("LAB_RENDER_STEPS", "5"))
STEP_SECONDS = float(os.environ.get("LAB_STEP_SECONDS", "0.4"))


def _digest(path):
    """sha256 of an uploaded file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _render_track(path, script, rate=16000):
    """Write a mono 16-bit WAV: one short tone per word of the script."""
    words = script.split() or ["silence"]
    frames = bytearray()
    for i, word in enumerate(words[:200]):
        freq = 220 + (sum(map(ord, word)) % 440)
        for n in range(rate // 8):
            sample = int(8000 * math.sin(2 * math.pi * freq * n / rate))
            frames += struct.pack("<h", sample)
        frames += b"\x00\x00" * (rate // 40 if i % 4 else rate // 20)
    with wave.open(path, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def generate(portrait, voice, script):
    """Stream progress, then hand back the rendered file."""
    if not portrait or not voice:
        raise gr.Error("Upload a portrait image and a voice recording first.")
    job = _digest(portrait)[:12]
    yield f"job {job}: received portrait and voice ({os.path.getsize(voice)} bytes)", None
    for step in range(1, RENDER_STEPS + 1):
        time.sleep(STEP_SECONDS)
        yield f"job {job}: rendering frame batch {step}/{RENDER_STEPS}", None
    os.makedirs(OUTPUT_DIR, exist_ok=True)
    result = os.path.join(OUTPUT_DIR, f"talking-head-{job}-{int(time.time())}.wav")
    _render_track(result, script or "")
    yield f"job {job}: done", result


demo = gr.Interface(
    fn=generate,
    inputs=[
        gr.Image(type="filepath", label="Portrait"),
        gr.File(label="Voice recording", file_types=["audio"]),
        gr.Textbox(label="Script", lines=3),
    ],
    outputs=[gr.Textbox(label="Progress"), gr.File(label="Result")],
    title="Digital human studio (lab)",
    description="Upload a portrait and a voice recording; the result is rendered on this server.",
    flagging_mode="never",
)

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=2).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        root_path=os.environ.get("GRADIO_ROOT_PATH", ""),
        allowed_paths=[OUTPUT_DIR],
        share=False,
        show_error=True,
    )
