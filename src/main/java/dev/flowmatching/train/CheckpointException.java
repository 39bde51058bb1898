package dev.flowmatching.train;

/**
 * A checkpoint that cannot be loaded: not a checkpoint, truncated, corrupt, of a newer format, or saved
 * from another architecture. The message names the file and what is wrong; nothing was changed.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
