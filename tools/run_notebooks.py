"""Execute the notebooks headless through the real Java kernel, as the test command does.

Each notebook is read, given small settings (a cell injected after the one tagged `parameters`, from
tools/ci_parameters.json), executed by nbclient, and written to target/notebooks/ for looking at. The
notebook on disk is never rewritten. A run fails on any cell error, on a cell tagged `figure` that shows no
image/png, on a cell tagged `table` that shows no text/html, on one tagged `animation` without image/gif, and on a kernel that does not start in time.

    python tools/run_notebooks.py [NOTEBOOK ...] [--full] [--kernel NAME] [--out DIR]
"""
import argparse
import hashlib
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP_HINT = "run ./setup.sh (it installs the kernel 'Java (flow matching)')"
# Which tag on a code cell demands which output type.
EXPECTED = {"figure": "image/png", "table": "text/html", "animation": "image/gif"}


class NotebookFailure(Exception):
    pass


def load_parameters(path):
    if not path or not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def inject(nb, lines, name):
    """Insert `lines` as a new cell right after the cell tagged `parameters`."""
    if not lines:
        return
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            injected = nbformat.v4.new_code_cell("// Injected by tools/run_notebooks.py: small settings for CI\n"
                                                 + "\n".join(lines))
            injected.metadata["tags"] = ["injected-parameters"]
            nb.cells.insert(i + 1, injected)
            return
    raise NotebookFailure(f"{name}: settings were given for it but it has no code cell tagged 'parameters'")


def check_outputs(nb, name):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        mimes = {m for out in cell.get("outputs", []) for m in out.get("data", {})}
        for tag, mime in EXPECTED.items():
            if tag in cell.metadata.get("tags", []) and mime not in mimes:
                problems.append(f"{name}: cell {i} is tagged '{tag}' but shows no {mime} (it shows {sorted(mimes)})")
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result") and out.get("metadata") is None:
                problems.append(f"{name}: cell {i} has an output with null metadata (JupyterLab drops it)")
    return problems


def first_error(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return i, out
    return None, None


def run_one(path, kernel, params, out_dir, startup_timeout, cell_timeout):
    name = os.path.basename(path)
    with open(path, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    inject(nb, params.get(name, []), name)
    kernel_name = kernel or nb.metadata.get("kernelspec", {}).get("name") or "java-flow-matching"
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=cell_timeout, startup_timeout=startup_timeout,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    error = None
    started = time.time()
    try:
        client.execute()
    except CellExecutionError as e:
        i, out = first_error(nb)
        where = f"cell {i}" if i is not None else "a cell"
        detail = f"{out['ename']}: {out['evalue']}" if out else str(e).splitlines()[0]
        error = f"{name}: {where} failed: {detail}"
    except CellTimeoutError:
        error = f"{name}: a cell ran longer than {cell_timeout} s"
    except DeadKernelError as e:
        error = f"{name}: the kernel died while running ({e})"
    except (RuntimeError, TimeoutError) as e:
        error = f"{name}: kernel '{kernel_name}' did not start within {startup_timeout} s ({e}); {SETUP_HINT}"
    except Exception as e:  # noqa: BLE001 - jupyter_client raises NoSuchKernel and friends
        error = f"{name}: kernel '{kernel_name}' could not be started ({type(e).__name__}: {e}); {SETUP_HINT}"
    elapsed = time.time() - started
    os.makedirs(out_dir, exist_ok=True)
    nbformat.write(nb, os.path.join(out_dir, name))
    with open(path, "rb") as f:
        if hashlib.sha256(f.read()).hexdigest() != digest:
            raise NotebookFailure(f"{name}: the notebook on disk changed during the run; it must never be rewritten")
    problems = [error] if error else check_outputs(nb, name)
    return problems, elapsed


def main(argv=None):
    p = argparse.ArgumentParser(description="Execute notebooks headless through the Java kernel.")
    p.add_argument("notebooks", nargs="*", help="default: every notebooks/*.ipynb")
    p.add_argument("--full", action="store_true", help="run with the notebooks' own settings, not CI's small ones")
    p.add_argument("--params", default=os.path.join(ROOT, "tools", "ci_parameters.json"))
    p.add_argument("--kernel", help="kernel name (default: the one in each notebook's metadata)")
    p.add_argument("--out", default=os.path.join(ROOT, "target", "notebooks"))
    p.add_argument("--startup-timeout", type=int, default=120)
    p.add_argument("--cell-timeout", type=int, default=1800)
    args = p.parse_args(argv)
    paths = args.notebooks or sorted(
        os.path.join(ROOT, "notebooks", f) for f in os.listdir(os.path.join(ROOT, "notebooks")) if f.endswith(".ipynb"))
    params = {} if args.full else load_parameters(args.params)
    failures = 0
    for path in paths:
        try:
            problems, elapsed = run_one(path, args.kernel, params, args.out, args.startup_timeout, args.cell_timeout)
        except NotebookFailure as e:
            problems, elapsed = [str(e)], 0.0
        status = "ok" if not problems else "FAILED"
        print(f"notebook {os.path.basename(path)}: {status} in {elapsed:.1f} s", flush=True)
        for problem in problems:
            print(f"  {problem}", flush=True)
        failures += bool(problems)
    print(f"notebooks: {len(paths) - failures} passed, {failures} failed (executed copies in {args.out})")
    return 1 if failures or not paths else 0


if __name__ == "__main__":
    sys.exit(main())
