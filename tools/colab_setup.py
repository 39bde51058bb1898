"""Set up the Java kernel on Google Colab: run this on Colab's Python runtime, then switch to the Java kernel.

    python colab_setup.py [--repo URL | --project DIR] [--cpu] [--prefix PREFIX]
                          [--skip-apt] [--skip-build] [--dry-run]

Steps: a JDK 17 and Maven from apt (Colab ships no JDK; --skip-apt leaves them out), the project's pinned
jjava and jupyter_client from pip, the project (git clone of --repo, or the checkout --project), the helper
jar built with Maven (no release exists yet, so it is built, not downloaded; flavour gpu where nvidia-smi
lists a GPU, cpu otherwise or with --cpu; --skip-build reuses a jar already built), then the kernelspecs
into PREFIX/share/jupyter (default ~/.local, the user's Jupyter data dir): the JJava kernel as
java-flow-matching-tcp and the IPC proxy in front of it under java-flow-matching, the name every notebook's
metadata asks for, so a notebook opened on Colab starts the proxy without the user picking a kernel. --dry-run prints the commands and runs none. A failing step exits 2, naming the step and
the command, with the last lines of its output.
"""
import argparse
import os
import shlex
import shutil
import subprocess
import sys

# Maintainers: set this to the repository's real address (README, "Open in Colab").
REPO_URL = "https://github.com/OWNER/flow-matching-java.git"
# What this script installs, as of 2026-11-25. The pip pins are those of requirements.txt (a test checks).
PINNED = {
    "date": "2026-11-25",
    "apt": ["openjdk-17-jdk-headless", "maven"],
    "pip": ["jjava==1.0a8", "jupyter_client==8.10.0"],
}
# Colab speaks IPC only: the proxy takes the notebooks' kernel name, the TCP kernel behind it another one.
NOTEBOOK_KERNEL = "java-flow-matching"
TCP_KERNEL = "java-flow-matching-tcp"
NEXT_STEP = ("Next: Runtime -> Change runtime type -> Java (flow matching, via proxy), then open a notebook.\n"
             "(Colab lists kernels by their kernelspec names: java-flow-matching is the proxy, which the\n"
             " notebooks ask for; java-flow-matching-tcp is the Java kernel behind it, speaking only TCP.)")
TAIL_LINES = 30


class StepError(Exception):
    pass


def run(step, cmd, dry_run, cwd=None):
    """Runs one command of a step; on failure raises StepError naming the step, the command and its output tail."""
    shown = " ".join(shlex.quote(c) for c in cmd)
    print(f"==> {step}: {shown}" + (f"   (in {cwd})" if cwd else ""), flush=True)
    if dry_run:
        return ""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise StepError(f"step '{step}' failed: cannot run {shown}: {e}")
    if p.returncode != 0:
        tail = "\n".join(p.stdout.rstrip().splitlines()[-TAIL_LINES:])
        raise StepError(f"step '{step}' failed (exit {p.returncode}): {shown}\n"
                        f"--- last lines of its output ---\n{tail}")
    return p.stdout


def has_gpu():
    if shutil.which("nvidia-smi") is None:
        return False
    p = subprocess.run(["nvidia-smi", "-L"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return any(line.startswith("GPU ") for line in p.stdout.splitlines())


def obtain_project(args):
    if args.project:
        return os.path.abspath(args.project)
    if "OWNER" in args.repo:
        raise StepError(f"no repository address: REPO_URL is the placeholder {args.repo}; "
                        "pass --repo URL or --project DIR")
    dest = os.path.abspath(args.dest)
    if os.path.isdir(os.path.join(dest, ".git")):
        print(f"==> get the project: reusing {dest}")
    else:
        run("get the project", ["git", "clone", "--depth", "1", args.repo, dest], args.dry_run)
    return dest


def copy_jjava(prefix, dry_run):
    """install_kernel.py takes JJava's jars from PREFIX; pip may have put them elsewhere (Colab: /usr/local)."""
    target = os.path.join(prefix, "share", "jupyter", "kernels", "java")
    if dry_run or os.path.isfile(os.path.join(target, "jjava.jar")):
        return
    where = run("find JJava", [sys.executable, "-c", "from jupyter_client.kernelspec import find_kernel_specs;"
                               "print(find_kernel_specs().get('java', ''))"], dry_run).strip()
    if not os.path.isfile(os.path.join(where, "jjava.jar")):
        raise StepError(f"step 'find JJava' failed: no kernelspec 'java' with jjava.jar (found '{where}')")
    shutil.copytree(where, target)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", default=REPO_URL, help="git URL to clone (default %(default)s)")
    p.add_argument("--project", help="use this checkout instead of cloning")
    p.add_argument("--dest", default="/content/flow-matching-java" if os.path.isdir("/content")
                   else "flow-matching-java", help="where to clone (default %(default)s)")
    p.add_argument("--prefix", default=os.path.expanduser("~/.local"), help="kernelspecs go to PREFIX/share/jupyter")
    p.add_argument("--cpu", action="store_true", help="build the cpu flavour even where a GPU is listed")
    p.add_argument("--skip-apt", action="store_true", help="do not apt-get install the JDK and Maven")
    p.add_argument("--skip-build", action="store_true", help="reuse target/flow-matching.jar")
    p.add_argument("--dry-run", action="store_true", help="print the commands, run none")
    args = p.parse_args(argv)
    try:
        flavour = "cpu" if args.cpu or not has_gpu() else "gpu"
        print(f"==> colab_setup ({PINNED['date']}): flavour {flavour}" + (", dry run" if args.dry_run else ""))
        if not args.skip_apt:
            run("install a JDK 17 and Maven", ["apt-get", "update", "-qq"], args.dry_run)
            run("install a JDK 17 and Maven", ["apt-get", "install", "-y", "-qq"] + PINNED["apt"], args.dry_run)
        run("install jjava and jupyter_client", [sys.executable, "-m", "pip", "install", "-q"] + PINNED["pip"],
            args.dry_run)
        root = obtain_project(args)
        jar = os.path.join(root, "target", "flow-matching.jar")
        if args.skip_build:
            if not args.dry_run and not os.path.isfile(jar):
                raise StepError(f"--skip-build, but {jar} is missing: run without --skip-build")
            print(f"==> build the helper jar: skipped, reusing {jar}")
        else:
            run("build the helper jar", ["mvn", "-B", "-q", "-Dstyle.color=never", f"-P{flavour}", "-DskipTests",
                                         "package"], args.dry_run, cwd=root)
            if not args.dry_run:
                with open(os.path.join(root, "target", ".flavour"), "w") as f:
                    f.write(flavour + "\n")
        prefix = os.path.abspath(args.prefix)
        copy_jjava(prefix, args.dry_run)
        run("install the kernel", [sys.executable, os.path.join(root, "tools", "install_kernel.py"),
                                   "--flavour", flavour, "--prefix", prefix, "--name", TCP_KERNEL], args.dry_run)
        run("install the proxy kernel", [sys.executable, os.path.join(root, "tools", "install_proxy_kernel.py"),
                                         "--prefix", prefix, "--name", NOTEBOOK_KERNEL, "--kernel", TCP_KERNEL],
            args.dry_run)
    except StepError as e:
        print(f"colab_setup: {e}", file=sys.stderr)
        return 2
    print(f"==> ready: kernelspecs {NOTEBOOK_KERNEL} (the IPC proxy) and {TCP_KERNEL} (JJava) in {prefix}/share/jupyter")
    print(NEXT_STEP)
    return 0


if __name__ == "__main__":
    sys.exit(main())
