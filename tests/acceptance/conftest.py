from tests.backends.conftest import llama_server, smollm2_path  # noqa: F401  (shared fixtures)
