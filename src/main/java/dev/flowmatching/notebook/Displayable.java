package dev.flowmatching.notebook;

/** Anything that knows how to show itself as a rich notebook output. */
public interface Displayable {
    MimeBundle toMimeBundle();
}
