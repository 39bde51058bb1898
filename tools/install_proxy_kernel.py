"""Install the kernelspec "Java (flow matching, via proxy)": the Java kernel behind tools/proxy_kernel.py.

For clients that start kernels over IPC sockets (Colab), which the Java kernel does not speak: the proxy
takes the client's connection file and starts the real kernelspec (--kernel, default java-flow-matching,
installed by tools/install_kernel.py) over TCP. Re-running replaces the one kernelspec in place.

    python tools/install_proxy_kernel.py [--prefix PREFIX] [--name java-flow-matching-proxy] [--kernel NAME]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import install_kernel  # noqa: E402  (the shared kernelspec writer)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROXY = os.path.join(ROOT, "tools", "proxy_kernel.py")
KERNEL_NAME = "java-flow-matching-proxy"
TARGET_KERNEL = "java-flow-matching"
DISPLAY_NAME = "Java (flow matching, via proxy)"


def kernel_spec(python=sys.executable, kernel=TARGET_KERNEL, display_name=DISPLAY_NAME):
    return {
        "argv": [python, PROXY, "-f", "{connection_file}", "--kernel", kernel],
        "display_name": display_name,
        "language": "java",
        "interrupt_mode": "message",
        "env": {},
        "metadata": {},
    }


def install(prefix=sys.prefix, name=KERNEL_NAME, kernel=TARGET_KERNEL, display_name=DISPLAY_NAME):
    spec = kernel_spec(kernel=kernel, display_name=display_name)
    target = install_kernel.write_kernelspec(prefix, name, spec)
    return target, spec


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prefix", default=sys.prefix, help="the Python environment to install into")
    p.add_argument("--name", default=KERNEL_NAME)
    p.add_argument("--kernel", default=TARGET_KERNEL, help="the kernelspec the proxy starts")
    args = p.parse_args(argv)
    target, _ = install(args.prefix, args.name, args.kernel)
    print(f"==> kernelspec '{DISPLAY_NAME}' ({args.name}) in {target}, proxying to '{args.kernel}'")


if __name__ == "__main__":
    main()
