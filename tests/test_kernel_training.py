"""Training through the real Java kernel: the live display updates one output in place, and the stop
button (a kernel interrupt) ends training cleanly, keeping the model trained so far."""
import time

import jupyter_client
import pytest

from kernel_client import execute

KERNEL = "java-flow-matching"

SETUP = """
import dev.flowmatching.data.*;
import dev.flowmatching.model.*;
import dev.flowmatching.notebook.*;
import dev.flowmatching.path.*;
import dev.flowmatching.runtime.*;
import dev.flowmatching.solver.*;
import dev.flowmatching.train.*;
Rng rng = new Rng(0);
Gaussian source = Gaussian.isotropic(new double[] {0, -5}, 1);
Gaussian target = Gaussian.isotropic(new double[] {5, 0}, 1);
VelocityModel model = VelocityModel.mlp(2, 32, 2, rng);
FlowMatchingTrainer trainer = new FlowMatchingTrainer(model, new AffinePath(new LinearScheduler()),
    PairSource.independent(source, target)).batchSize(64);
"""


@pytest.fixture(scope="module")
def kernel():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name=KERNEL, startup_timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_live_training_updates_one_output_in_place(kernel):
    km, kc = kernel
    reply, _ = execute(kc, SETUP)
    assert reply["content"]["status"] == "ok", reply["content"]
    reply, msgs = execute(kc, 'trainer.train(1500, rng, new LiveTraining("test"));')
    assert reply["content"]["status"] == "ok", reply["content"]
    displays = [m for m in msgs if m["msg_type"] == "display_data"]
    updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
    assert len(displays) == 1, "one output only"
    ids = {m["content"]["transient"]["display_id"] for m in displays + updates}
    assert len(ids) == 1, "every update targets the one output"
    assert 1 <= len(updates) < 1500 / 5, f"{len(updates)} updates: throttled, not one per step"
    final = updates[-1]["content"]["data"]
    assert "image/png" in final and "done, 1500 steps" in final["text/plain"]
    assert all(m["content"]["metadata"] == {} for m in displays + updates)
    assert not [m for m in msgs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"]


def test_interrupt_stops_training_and_keeps_the_model(kernel):
    km, kc = kernel
    before = execute(kc, 'System.out.println("done=" + trainer.stepsDone());')[1]
    done_before = int("".join(m["content"]["text"] for m in before if m["msg_type"] == "stream").split("=")[1])

    def interrupt_soon():
        time.sleep(4)
        km.interrupt_kernel()

    started = time.time()
    reply, _ = execute(kc, 'trainer.train(10_000_000, rng, new LiveTraining("long"));', timeout=60,
                       on_sent=interrupt_soon)
    assert time.time() - started < 30, "the interrupt ends the cell promptly"
    assert reply["content"]["status"] in ("error", "aborted"), reply["content"]
    time.sleep(1)  # the training thread finishes the step it is in
    code = ('NDArray s = new Euler().solve(model, source.sample(model.manager(), 100, rng), 20).x();\n'
            'System.out.println("done=" + trainer.stepsDone() + " finite=" + s.isInfinite().logicalOr(s.isNaN()).none().getBoolean());')
    reply, msgs = execute(kc, "import ai.djl.ndarray.*;\n" + code)
    assert reply["content"]["status"] == "ok", reply["content"]
    out = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
    done = int(out.split("done=")[1].split()[0])
    assert done_before < done < done_before + 10_000_000, out
    assert "finite=true" in out, out
