package io.github.spencerpark.ijava;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.DisplayStream;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

/**
 * A stand-in for IJava 1.3's entry class, with the same static accessor, over IJava's real kernel base
 * classes (jupyter-jvm-basekernel 2.3.0). It records what a notebook would have been sent.
 */
public final class IJava {
    /** What reached the kernel: "display" or "update", the display id, the DisplayData. */
    public record Sent(String kind, String id, DisplayData data) {
    }

    public static final List<Sent> SENT = new ArrayList<>();
    private static BaseKernel kernel;

    private IJava() {
    }

    public static BaseKernel getKernelInstance() {
        return kernel;
    }

    /** Installs (or, with false, removes) the stand-in kernel. */
    public static void install(boolean on) throws ReflectiveOperationException {
        SENT.clear();
        if (!on) {
            kernel = null;
            return;
        }
        BaseKernel k = new BaseKernel() {
            @Override
            public DisplayData eval(String expr) {
                return null;
            }

            @Override
            public io.github.spencerpark.jupyter.kernel.LanguageInfo getLanguageInfo() {
                return null; // not asked for by the display path
            }

            @Override
            public void display(DisplayData data) {
                SENT.add(new Sent("display", data.getDisplayId(), data));
            }
        };
        // Replace the unattached display stream by one that records updates.
        Field f = k.getIO().getClass().getField("display");
        f.setAccessible(true);
        f.set(k.getIO(), new DisplayStream() {
            @Override
            public void updateDisplay(String id, DisplayData data) {
                SENT.add(new Sent("update", id, data));
            }
        });
        kernel = k;
    }
}
