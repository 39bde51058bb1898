package dev.flowmatching.data;

/**
 * What the decoders need to know before decoding a JPEG, read from its markers up to the first scan: the
 * size, the number of colour components (1 grey, 3 YCbCr, 4 CMYK or YCCK), whether it is progressive, and
 * the colour transform of an Adobe APP14 marker (0: CMYK or RGB, 1: YCbCr, 2: YCCK; -1 when there is none).
 *
 * <pre>{@code
 * JpegHeader h = JpegHeader.parse(bytes);   // null when the bytes are not a JPEG
 * if (h != null && h.components() == 4) { ... }
 * }</pre>
 *
 * @param width the width in pixels
 * @param height the height in pixels
 * @param components colour components in the frame
 * @param progressive whether the frame is progressive (SOF2, SOF6, SOF10, SOF14)
 * @param adobeTransform the Adobe marker's transform flag, or -1 without an Adobe marker
 */
public record JpegHeader(int width, int height, int components, boolean progressive, int adobeTransform) {
    private static final int SOI = 0xD8;
    private static final int SOS = 0xDA;
    private static final int APP14 = 0xEE;

    /** The header of {@code bytes}, or null when they do not start like a JPEG or end before the frame. */
    public static JpegHeader parse(byte[] bytes) {
        if (bytes.length < 4 || u8(bytes, 0) != 0xFF || u8(bytes, 1) != SOI) {
            return null;
        }
        int adobe = -1;
        int p = 2;
        while (p + 4 <= bytes.length) {
            if (u8(bytes, p) != 0xFF) {
                return null; // markers follow each other directly before the scan
            }
            int marker = u8(bytes, p + 1);
            if (marker == 0xFF) {
                p++; // fill byte
                continue;
            }
            int length = u16(bytes, p + 2);
            int body = p + 4;
            if (marker == SOS || length < 2 || p + 2 + length > bytes.length) {
                return null;
            }
            if (marker == APP14 && length >= 14 && "Adobe".equals(new String(bytes, body, 5,
                    java.nio.charset.StandardCharsets.US_ASCII))) {
                adobe = u8(bytes, body + 11);
            }
            if (isStartOfFrame(marker) && length >= 8) {
                return new JpegHeader(u16(bytes, body + 3), u16(bytes, body + 1), u8(bytes, body + 5),
                        marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE, adobe);
            }
            p += 2 + length;
        }
        return null;
    }

    private static boolean isStartOfFrame(int marker) {
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int u16(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }
}
