package dev.flowmatching.data;

/**
 * The content of one IDX file: its dimensions, its unsigned bytes in row-major order, and the SHA-256 of the
 * uncompressed file (header included), which identifies the content whatever gzip header wraps it.
 *
 * <pre>{@code
 * IdxArray images = IdxFile.read(path, 3);
 * int n = images.count();                    // dims()[0]
 * int pixel = images.data()[0] & 0xFF;       // first pixel of the first image, 0..255
 * }</pre>
 *
 * @param dims the size of each dimension, outermost first
 * @param data the values as signed bytes (read them with {@code & 0xFF}); not copied
 * @param sha256 lower-case hex SHA-256 of the uncompressed IDX bytes
 */
public record IdxArray(int[] dims, byte[] data, String sha256) {
    /** The size of the first dimension: the number of images or labels. */
    public int count() {
        return dims[0];
    }

    /** The number of values per item: the product of all dimensions but the first. */
    public int itemSize() {
        int size = 1;
        for (int i = 1; i < dims.length; i++) {
            size *= dims[i];
        }
        return size;
    }
}
