package dev.flowmatching.runtime;

/**
 * Starts the engine once from the command line, so that DJL unpacks libtorch into its cache before the
 * first notebook needs it, and prints what it found: {@code java -cp ... dev.flowmatching.runtime.Warmup}.
 */
public final class Warmup {
    private Warmup() {
    }

    public static void main(String[] args) {
        EnvironmentReport report = EnvironmentReport.collect("none (command line)");
        report.entries().forEach(e -> System.out.printf("%-24s %s%n", e.name(), e.value()));
        report.warnings().forEach(w -> System.out.println("WARNING: " + w));
    }
}
