package dev.flowmatching.data;

import java.io.IOException;
import java.util.List;

/**
 * No decoder could read an image file: it is truncated, corrupt, or in a form none of them supports. Names
 * the file and what each decoder said. The Flowers preparation catches it, counts the file as skipped and
 * goes on with the next one.
 *
 * <pre>{@code
 * try { decoder.decode(bytes, "jpg/image_00042.jpg"); }
 * catch (UnreadableImageException e) { System.err.println(e.file() + ": " + e.reasons()); }
 * }</pre>
 */
public final class UnreadableImageException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String file;
    private final List<String> reasons;

    /** {@code reasons}: one entry per decoder tried, e.g. "ImageIO: Premature end of JPEG file". */
    public UnreadableImageException(String file, List<String> reasons) {
        super("cannot decode " + file + ": " + String.join("; ", reasons));
        this.file = file;
        this.reasons = List.copyOf(reasons);
    }

    /** The file's name as the caller gave it (a path inside an archive, or a file name). */
    public String file() {
        return file;
    }

    /** What each decoder said, in the order they were tried. */
    public List<String> reasons() {
        return reasons;
    }
}
