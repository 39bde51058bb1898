package dev.flowmatching.notebook;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.UUID;

import dev.flowmatching.viz.Images;
import dev.flowmatching.viz.Tables;
import tech.tablesaw.api.Table;

/**
 * Shows things in the notebook: the one entry point notebooks use for rich output.
 *
 * <pre>{@code
 * Display.show(table);                       // a Tablesaw table as HTML + text
 * String id = Display.show(progress, true);  // an output that can be replaced later
 * Display.update(id, progress);              // replaced in place, no new output
 * }</pre>
 *
 * Inside a Jupyter kernel (JJava or IJava) outputs go to the kernel; elsewhere they are printed and
 * images are written to files under {@code fm.display.dir} (default {@code target/display}).
 */
public final class Display {
    private static volatile DisplaySink sink;

    private Display() {
    }

    /** The sink in use: the running kernel if there is one, else files. */
    public static DisplaySink sink() {
        DisplaySink s = sink;
        if (s == null) {
            synchronized (Display.class) {
                if (sink == null) {
                    sink = KernelSink.find().map(k -> (DisplaySink) k).orElseGet(Display::fileSink);
                }
                s = sink;
            }
        }
        return s;
    }

    /** Replaces the sink (tests record outputs this way); returns the previous one. */
    public static synchronized DisplaySink use(DisplaySink newSink) {
        DisplaySink previous = sink;
        sink = newSink;
        return previous;
    }

    /** Shows {@code value} as a new output. */
    public static void show(Object value) {
        sink().display(toBundle(value), null);
    }

    /** Shows {@code value} as a new output that {@link #update} can replace; returns its display id. */
    public static String showUpdatable(Object value) {
        String id = UUID.randomUUID().toString();
        sink().display(toBundle(value), id);
        return id;
    }

    /** Replaces the output with this display id. */
    public static void update(String displayId, Object value) {
        sink().update(displayId, toBundle(value));
    }

    /** The rich form of a value: Displayable, MimeBundle, Tablesaw Table, BufferedImage or any text. */
    public static MimeBundle toBundle(Object value) {
        if (value instanceof MimeBundle b) {
            return b;
        }
        if (value instanceof Displayable d) {
            return d.toMimeBundle();
        }
        if (value instanceof Table t) {
            return Tables.toMimeBundle(t);
        }
        if (value instanceof BufferedImage img) {
            return MimeBundle.text("image " + img.getWidth() + "x" + img.getHeight()).withPng(Images.png(img));
        }
        return MimeBundle.text(String.valueOf(value));
    }

    private static DisplaySink fileSink() {
        return new FileSink(Path.of(System.getProperty("fm.display.dir", "target/display")), System.out);
    }
}
