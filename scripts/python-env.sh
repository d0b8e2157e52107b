# Sourced by scripts/run and scripts/test: make .venv match uv.lock exactly.
# Needs only python3 (3.11+); uv comes from PyPI into a private bootstrap venv.
VENV="$PWD/.venv"
UV="$PWD/.venv-uv/bin/uv"
if [[ ! -x "$UV" ]]; then
  echo "== bootstrapping uv"
  python3 -m venv .venv-uv
  .venv-uv/bin/pip install -q "uv==0.13.9"
fi
# Bytecode compiled at install: a service under ProtectSystem=strict cannot write it later,
# and without it every CLI and daemon start recompiles every module it imports.
"$UV" sync --frozen --quiet --compile-bytecode
export VENV
