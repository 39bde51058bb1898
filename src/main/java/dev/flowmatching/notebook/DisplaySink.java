package dev.flowmatching.notebook;

/** Where rich outputs go: a Jupyter kernel, files on disk, or a test's recorder. */
public interface DisplaySink {
    /** Shows a new output; {@code displayId} may be null when it will never be updated. */
    void display(MimeBundle bundle, String displayId);

    /** Replaces, in place, the output shown earlier under {@code displayId}. */
    void update(String displayId, MimeBundle bundle);

    /** A short description for the environment table, e.g. "JJava 1.0-a8". */
    String describe();
}
