package dev.flowmatching.notebook;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

import dev.flowmatching.runtime.AtomicWrite;

/**
 * The display used where no kernel runs (a test, a plain {@code main}): prints the plain text and writes
 * images to numbered files in a folder, naming each file it writes.
 */
public final class FileSink implements DisplaySink {
    private static final Map<String, String> EXTENSIONS = Map.of(
            MimeBundle.PNG, "png", MimeBundle.GIF, "gif", MimeBundle.HTML, "html");

    private final Path dir;
    private final PrintStream out;
    private int count;

    public FileSink(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    @Override
    public synchronized void display(MimeBundle bundle, String displayId) {
        count++;
        StringBuilder line = new StringBuilder(bundle.plainText());
        for (Map.Entry<String, String> e : EXTENSIONS.entrySet()) {
            if (bundle.has(e.getKey())) {
                Path file = dir.resolve(String.format("output-%03d.%s", count, e.getValue()));
                write(file, e.getKey().equals(MimeBundle.HTML)
                        ? ((String) bundle.data().get(e.getKey())).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                        : bundle.bytes(e.getKey()));
                line.append(System.lineSeparator()).append("  [").append(e.getKey()).append(" -> ").append(file).append(']');
            }
        }
        out.println(line);
    }

    @Override
    public void update(String displayId, MimeBundle bundle) {
        display(bundle, displayId);
    }

    @Override
    public String describe() {
        return "no kernel (files in " + dir + ")";
    }

    /** Writes through a temporary file and a rename, so a reader never sees half a file. */
    private static void write(Path file, byte[] bytes) {
        try {
            AtomicWrite.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write display output " + file, e);
        }
    }
}
