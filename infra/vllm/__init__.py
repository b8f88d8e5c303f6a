"""The local LLM tier: a separate vLLM-on-CPU environment, the converted SmolLM2 model, the server process.

- `environment.ensure_vllm_env(env_dir)` builds the vLLM virtual environment once (marker file).
- `model.ensure_smollm2(models_dir)` converts the packaged SmolLM2 GGUF into a HF folder once.
- `server.VllmServer` starts and stops one OpenAI-compatible vLLM process.
- `settings.VllmSettings` is the one configuration class, read when a command starts.
"""
