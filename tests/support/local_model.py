"""A real local model for tests: a tiny random-weight llama GGUF served by llama-cpp-python.

`write_tiny_gguf(path)` writes a ~0.5 MB llama-architecture model (byte-level GPT-2 vocabulary,
2 blocks, embedding 64) whose answers are gibberish but come from real inference over the real
OpenAI wire protocol, with real `usage` counts. `local_model_server` (session fixture) starts
`python -m llama_cpp.server` on a free loopback port and yields its `/v1` base URL.

Skips only when llama_cpp is not importable and CI is unset; under CI it fails instead.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

MODEL_NAME = "tiny"
EMBEDDING, BLOCKS, HEADS, FEED_FORWARD, CONTEXT = 64, 2, 4, 128, 512
MERGES = [("Ġ", "t"), ("h", "e"), ("Ġ", "a"), ("i", "n")]
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"
)
READY_TIMEOUT_S = 120.0


def _byte_tokens() -> list[str]:
    """GPT-2's byte-to-unicode mapping: each of the 256 bytes as a printable character."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    mapping = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in mapping:
            mapping[b] = chr(256 + extra)
            extra += 1
    return [mapping[b] for b in range(256)]


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    import gguf
    import numpy as np

    tokens = [*_byte_tokens(), *("".join(pair) for pair in MERGES), "<s>", "</s>"]
    token_types = [1] * (len(tokens) - 2) + [3, 3]
    bos, eos = len(tokens) - 2, len(tokens) - 1
    vocab = len(tokens)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(CONTEXT)
    writer.add_embedding_length(EMBEDDING)
    writer.add_block_count(BLOCKS)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(HEADS)
    writer.add_rope_dimension_count(EMBEDDING // HEADS)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(vocab)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(token_types)
    writer.add_token_merges([" ".join(pair) for pair in MERGES])
    writer.add_bos_token_id(bos)
    writer.add_eos_token_id(eos)
    writer.add_chat_template(CHAT_TEMPLATE)

    rng = np.random.default_rng(seed)

    def weights(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    ones = np.ones(EMBEDDING, dtype=np.float32)
    writer.add_tensor("token_embd.weight", weights(vocab, EMBEDDING))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", weights(vocab, EMBEDDING))
    for block in range(BLOCKS):
        prefix = f"blk.{block}"
        writer.add_tensor(f"{prefix}.attn_norm.weight", ones)
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{prefix}.{name}.weight", weights(EMBEDDING, EMBEDDING))
        writer.add_tensor(f"{prefix}.ffn_norm.weight", ones)
        writer.add_tensor(f"{prefix}.ffn_gate.weight", weights(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(f"{prefix}.ffn_up.weight", weights(FEED_FORWARD, EMBEDDING))
        writer.add_tensor(f"{prefix}.ffn_down.weight", weights(EMBEDDING, FEED_FORWARD))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def llama_cpp_available() -> bool:
    try:
        import gguf  # noqa: F401
        import llama_cpp  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def require_llama_cpp() -> None:
    """Skip without llama-cpp-python, except under CI where its absence is a failure."""
    if llama_cpp_available():
        return
    message = 'llama-cpp-python is not installed (pip install "llama-cpp-python[server]" gguf)'
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it (.ci/run)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(base_url: str, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                if response.status == 200 and json.loads(response.read()).get("data"):
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server not ready within {timeout_s:.0f}s")


class LocalModelServer:
    """A running llama_cpp.server; `base_url` ends in `/v1`."""

    def __init__(self, model_path: Path, log_path: Path, port: int | None = None) -> None:
        self.model_path = model_path
        self.log_path = log_path
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.model = MODEL_NAME
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalModelServer:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(self.model_path),
                "--model_alias",
                MODEL_NAME,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--n_ctx",
                str(CONTEXT),
                "--n_threads",
                "1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_ready(self.base_url, self.process, READY_TIMEOUT_S)
        except RuntimeError as exc:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}\n--- server log ---\n{tail}") from exc
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def local_model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalModelServer]:
    require_llama_cpp()
    folder = tmp_path_factory.mktemp("local-model")
    model_path = write_tiny_gguf(folder / "tiny.gguf")
    server = LocalModelServer(model_path, folder / "server.log").start()
    try:
        yield server
    finally:
        server.stop()
