"""Install the kernelspec "Java (flow matching)" into the current Python environment.

It runs the JJava kernel (installed by `pip install jjava`) with the helper jar and its dependencies on the
kernel's class path (JJAVA_CLASSPATH, and IJAVA_CLASSPATH so IJava 1.3 reads the same), jemalloc preloaded
where installed, and DJL's thread count set to the cores. Re-running replaces the one kernelspec in place.

    python tools/install_kernel.py --flavour cpu [--prefix PREFIX] [--name NAME]
"""
import argparse
import glob
import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_NAME = "java-flow-matching"
DISPLAY_NAME = "Java (flow matching)"
JEMALLOC_GLOBS = ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/*/libjemalloc.so.2",
                  "/usr/lib/libjemalloc.so.2", "/usr/lib64/libjemalloc.so.2"]
# Keep freed pages mapped: glibc's and jemalloc's default decay make conv steps page-fault (DESIGN.md 3).
MALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1"


def class_path(root):
    jar = os.path.join(root, "target", "flow-matching.jar")
    if not os.path.isfile(jar):
        sys.exit(f"install_kernel: {jar} is missing: build it first (./setup.sh runs mvn package)")
    libs = sorted(glob.glob(os.path.join(root, "target", "lib", "*.jar")))
    if not libs:
        sys.exit("install_kernel: target/lib has no jars: run ./setup.sh (mvn package copies them there)")
    return os.pathsep.join([jar] + libs)


def jemalloc():
    for pattern in JEMALLOC_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def jjava_dir(prefix):
    d = os.path.join(prefix, "share", "jupyter", "kernels", "java")
    if not os.path.isfile(os.path.join(d, "jjava.jar")):
        sys.exit(f"install_kernel: JJava is not installed in {prefix} (expected {d}/jjava.jar): pip install jjava")
    return d


def kernel_spec(flavour, root, prefix, java):
    cp = class_path(root)
    jvm_opts = [f"-Dai.djl.pytorch.num_threads={os.cpu_count()}", "-Djava.awt.headless=true"]
    if flavour == "cpu":
        jvm_opts.append("-Dai.djl.offline=true")
    env = {
        "JJAVA_CLASSPATH": cp,
        "IJAVA_CLASSPATH": cp,
        "JJAVA_JVM_OPTS": " ".join(jvm_opts),
        # JJava's launcher starts the kernel JVM as plain "java" from PATH: make that the JDK found here.
        "PATH": os.path.dirname(java) + os.pathsep + "${PATH}",
        "FM_FLAVOUR": flavour,
        "FM_PROJECT_ROOT": root,
    }
    if flavour == "gpu":
        env["PYTORCH_FLAVOR"] = os.environ.get("PYTORCH_FLAVOR", "cu128")
    lib = jemalloc()
    if lib:
        env["LD_PRELOAD"] = lib
        env["MALLOC_CONF"] = MALLOC_CONF
    return {
        "argv": [java, "-jar", "{resource_dir}/jjava-launcher.jar", "{resource_dir}/jjava.jar", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "java",
        "interrupt_mode": "message",
        "env": env,
        "metadata": {},
    }


def install(flavour, root=ROOT, prefix=sys.prefix, name=KERNEL_NAME):
    java = shutil.which("java")
    if java is None:
        sys.exit("install_kernel: no java on PATH")
    java = os.path.realpath(java)
    source = jjava_dir(prefix)
    spec = kernel_spec(flavour, root, prefix, java)
    files = [os.path.join(source, f) for f in ("jjava.jar", "jjava-launcher.jar")]
    return write_kernelspec(prefix, name, spec, files), spec


def write_kernelspec(prefix, name, spec, files=()):
    """Writes kernel.json (and copies `files`) into PREFIX/share/jupyter/kernels/NAME, replacing any old one.

    The new kernelspec is built beside the old one, then swapped in: never a half-written kernel.json."""
    kernels = os.path.join(prefix, "share", "jupyter", "kernels")
    os.makedirs(kernels, exist_ok=True)
    target = os.path.join(kernels, name)
    staging = tempfile.mkdtemp(prefix=f".{name}-", dir=kernels)
    for f in files:
        shutil.copy2(f, staging)
    with open(os.path.join(staging, "kernel.json"), "w") as out:
        json.dump(spec, out, indent=2)
    os.chmod(staging, 0o755)
    if os.path.isdir(target):
        shutil.rmtree(target)
    os.rename(staging, target)
    return target


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--flavour", choices=["cpu", "gpu"], required=True)
    p.add_argument("--prefix", default=sys.prefix, help="the Python environment to install into")
    p.add_argument("--name", default=KERNEL_NAME)
    args = p.parse_args(argv)
    target, spec = install(args.flavour, ROOT, args.prefix, args.name)
    jem = "jemalloc preloaded" if "LD_PRELOAD" in spec["env"] else "no jemalloc found (apt-get install libjemalloc2)"
    print(f"==> kernelspec '{DISPLAY_NAME}' ({args.name}) in {target}; {jem}")


if __name__ == "__main__":
    main()
