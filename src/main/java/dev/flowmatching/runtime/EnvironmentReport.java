package dev.flowmatching.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ai.djl.engine.Engine;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What this notebook runs on: Java, kernel, DJL, engine and libtorch versions, device, threads, jemalloc.
 * Also the one check that must be loud: a GPU that {@code nvidia-smi} sees but DJL does not use.
 */
public final class EnvironmentReport {
    /** One line of the report. */
    public record Entry(String name, String value) {
    }

    private final List<Entry> entries;
    private final List<String> warnings;

    private EnvironmentReport(List<Entry> entries, List<String> warnings) {
        this.entries = List.copyOf(entries);
        this.warnings = List.copyOf(warnings);
    }

    /** Reads the environment of this JVM; {@code kernel} describes the notebook kernel (or its absence). */
    public static EnvironmentReport collect(String kernel) {
        Engine engine = Torch.engine();
        List<Entry> e = new ArrayList<>();
        e.add(new Entry("Java", System.getProperty("java.vm.name") + " " + Runtime.version()));
        e.add(new Entry("Kernel", kernel));
        e.add(new Entry("DJL", Engine.getDjlVersion()));
        e.add(new Entry("Engine", engine.getEngineName() + " " + engine.getVersion()));
        e.add(new Entry("libtorch flavour", Torch.bundledCpuLibtorch() ? "cpu (bundled, offline)" : "downloaded or local"));
        e.add(new Entry("Device", Torch.device().toString()));
        e.add(new Entry("GPUs seen by DJL", Integer.toString(engine.getGpuCount())));
        int gpusSmi = nvidiaSmiGpuCount();
        e.add(new Entry("GPUs seen by nvidia-smi", gpusSmi < 0 ? "no nvidia-smi" : Integer.toString(gpusSmi)));
        e.add(new Entry("Threads (intra-op)", System.getProperty(Torch.THREADS)));
        e.add(new Entry("Cores", Integer.toString(Runtime.getRuntime().availableProcessors())));
        e.add(new Entry("Max heap", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB"));
        e.add(new Entry("jemalloc", jemallocLoaded() ? "on" : "off (glibc malloc: slower conv steps)"));
        return new EnvironmentReport(e, warnings(gpusSmi, engine.getGpuCount()));
    }

    /** The loud ones: a GPU that the driver shows but DJL does not use means training silently on the CPU. */
    static List<String> warnings(int gpusSeenBySmi, int gpusSeenByDjl) {
        List<String> w = new ArrayList<>();
        if (gpusSeenBySmi > 0 && gpusSeenByDjl == 0) {
            w.add("nvidia-smi sees " + gpusSeenBySmi + " GPU(s) but DJL is running on the CPU. Rebuild with the "
                    + "GPU flavour: ./setup.sh --gpu (see README, 'On a GPU host').");
        }
        return w;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Problems the reader must see, e.g. a GPU left unused. */
    public List<String> warnings() {
        return warnings;
    }

    /** The report as a two-column Tablesaw table. */
    public Table table() {
        StringColumn names = StringColumn.create("what");
        StringColumn values = StringColumn.create("value");
        for (Entry entry : entries) {
            names.append(entry.name());
            values.append(entry.value());
        }
        return Table.create("Environment", names, values);
    }

    /** True when libjemalloc is mapped into this process (preloaded by the kernelspec). */
    static boolean jemallocLoaded() {
        try {
            return Files.readString(Path.of("/proc/self/maps")).contains("libjemalloc");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** GPUs listed by {@code nvidia-smi -L}; -1 where the tool is absent or fails. */
    static int nvidiaSmiGpuCount() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return -1;
            }
            return (int) out.lines().filter(l -> l.startsWith("GPU ")).count();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
