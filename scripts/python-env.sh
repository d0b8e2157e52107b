# Sourced by scripts/run and scripts/test: make .venv match uv.lock exactly.
# Needs only python3 (3.11+); uv comes from PyPI into a private bootstrap venv.
VENV="$PWD/.venv"
UV="$PWD/.venv-uv/bin/uv"
if [[ ! -x "$UV" ]]; then
  echo "== bootstrapping uv"
  python3 -m venv .venv-uv
  .venv-uv/bin/pip install -q "uv==0.13.9"
fi
"$UV" sync --frozen --quiet
export VENV
