package dev.flowmatching.data;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What preparing a folder or archive of pictures did: how many were read (and by which decoder), how many
 * were skipped as unreadable, with the first few of those named and why, and how long it took.
 *
 * <pre>{@code
 * PrepareReport r = new FlowersPreparer(64).fromArchive(tgz, cacheFile);
 * System.out.println(r);                        // "8189 images read ... 0 skipped ..."
 * r.skippedFiles().forEach(System.out::println);
 * }</pre>
 *
 * @param read pictures decoded and stored
 * @param skipped pictures no decoder could read
 * @param skippedFiles "name: reason" of the first {@link #MAX_NAMED} skipped pictures
 * @param decoders how many pictures each decoder read, by decoder name
 * @param seconds wall time of the whole preparation
 */
public record PrepareReport(int read, int skipped, List<String> skippedFiles, Map<String, Integer> decoders,
        double seconds) {
    /** How many skipped files are named. */
    public static final int MAX_NAMED = 10;

    public PrepareReport {
        skippedFiles = List.copyOf(skippedFiles);
        decoders = Map.copyOf(decoders);
    }

    /** Pictures per second over the whole preparation (read + skipped). */
    public double imagesPerSecond() {
        return seconds > 0 ? (read + skipped) / seconds : 0;
    }

    @Override
    public String toString() {
        String s = String.format(Locale.ROOT, "%d images read %s, %d skipped as unreadable, in %.1f s (%.0f images/s)",
                read, decoders, skipped, seconds, imagesPerSecond());
        if (skipped > 0) {
            s += "; skipped: " + String.join("; ", skippedFiles) + (skipped > skippedFiles.size() ? "; ..." : "");
        }
        return s;
    }
}
