package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache file: a round trip, splits, and refusal of a wrong, truncated or damaged file. */
class FlowersCacheTest {
    private static final int R = 2;

    @TempDir
    Path dir;

    /** Three 3 x 2 x 2 images whose bytes count up from 0, 12 and 24; ids 5, 9, 11; labels 1, 0, 1. */
    private static FlowersCache.Contents sample() {
        byte[] pixels = new byte[3 * 12];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        return new FlowersCache.Contents(R, "three test images, é", List.of("rose", "lotus"), new int[] {5, 9, 11},
                new int[] {1, 0, 1}, new byte[] {FlowersSplit.TEST.code(), FlowersSplit.TRAIN.code(), FlowersSplit.UNKNOWN},
                pixels);
    }

    private Path written() throws IOException {
        Path file = FlowersCache.file(dir, R);
        FlowersCache.write(sample(), file);
        return file;
    }

    @Test
    void aCacheReadsBackAsWritten() throws IOException {
        Path file = written();
        assertEquals("cache-2.bin", file.getFileName().toString());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file is left");
        }
        FlowersCache.Contents c = FlowersCache.read(file, R);
        FlowersCache.Contents want = sample();
        assertEquals(want.source(), c.source());
        assertEquals(want.classNames(), c.classNames());
        assertArrayEquals(want.ids(), c.ids());
        assertArrayEquals(want.labels(), c.labels());
        assertArrayEquals(want.splits(), c.splits());
        assertArrayEquals(want.pixels(), c.pixels());
        ImageSet set = c.toImageSet("flowers");
        assertEquals(3, set.size());
        assertEquals("lotus", set.className(set.label(0)));
        assertArrayEquals(Arrays.copyOfRange(want.pixels(), 12, 24), set.image(1));
    }

    @Test
    void aSplitKeepsOnlyItsImages() throws IOException {
        FlowersCache.Contents c = FlowersCache.read(written(), R);
        ImageSet test = c.toImageSet("t", FlowersSplit.TEST);
        assertEquals(1, test.size());
        assertArrayEquals(Arrays.copyOfRange(sample().pixels(), 0, 12), test.image(0));
        assertTrue(test.source().contains("tstid"), test.source());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.toImageSet("v", FlowersSplit.VALID));
        assertTrue(e.getMessage().contains("no image of split valid"), e.getMessage());
    }

    private IOException refused(byte[] bytes, int resolution) throws IOException {
        Path file = dir.resolve("damaged.bin");
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> FlowersCache.read(file, resolution));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("Delete it"), e.getMessage());
        return e;
    }

    @Test
    void aWrongHeaderIsRefusedNamingTheField() throws IOException {
        byte[] good = Files.readAllBytes(written());
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(refused(magic, R).getMessage().contains("not a Flowers cache"));
        byte[] version = good.clone();
        ByteBuffer.wrap(version).putInt(8, 2);
        assertTrue(refused(version, R).getMessage().contains("format version 2"));
        assertTrue(refused(good, 64).getMessage().contains("holds 2 px images, 64 px were asked for"));
        byte[] count = good.clone();
        ByteBuffer.wrap(count).putInt(20, 4);
        assertTrue(refused(count, R).getMessage().contains("promises 4 images"));
    }

    @Test
    void aTruncatedOrLengthenedFileIsRefused() throws IOException {
        byte[] good = Files.readAllBytes(written());
        assertTrue(refused(Arrays.copyOf(good, good.length - 5), R).getMessage().contains("truncated"));
        assertTrue(refused(Arrays.copyOf(good, good.length + 1), R).getMessage().contains("has " + (good.length + 1)));
        assertTrue(refused(Arrays.copyOf(good, 10), R).getMessage().contains("truncated"));
    }

    @Test
    void aChangedPixelIsCaughtByTheCrc() throws IOException {
        byte[] bytes = Files.readAllBytes(written());
        bytes[bytes.length - 10] ^= 1;
        assertTrue(refused(bytes, R).getMessage().contains("CRC-32C"));
    }

    @Test
    void rewritingReplacesTheFileAtomically() throws IOException {
        Path file = written();
        FlowersCache.Contents c = sample();
        FlowersCache.Contents other = new FlowersCache.Contents(R, "other", c.classNames(), new int[] {1},
                new int[] {0}, new byte[] {FlowersSplit.UNKNOWN}, new byte[12]);
        FlowersCache.write(other, file);
        assertEquals(1, FlowersCache.read(file, R).count());
    }
}
