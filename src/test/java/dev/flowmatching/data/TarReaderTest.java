package dev.flowmatching.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The streaming tar reader on archives written here: plain and gzip'd, long names, damage named. */
class TarReaderTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<TarReader.Entry> all(byte[] archive) throws IOException {
        List<TarReader.Entry> out = new ArrayList<>();
        try (TarReader tar = new TarReader(new ByteArrayInputStream(archive), "test.tgz")) {
            for (TarReader.Entry e; (e = tar.next()) != null;) {
                out.add(e);
            }
        }
        return out;
    }

    private static TarWriter sample() {
        String deep = "a".repeat(60) + "/" + "b".repeat(60) + "/deep.txt";
        return new TarWriter().directory("jpg/").file("jpg/one.txt", bytes("first"))
                .file("jpg/empty", new byte[0]).file("jpg/block", new byte[512])
                .file(deep, bytes("prefixed")).gnuLongName("c".repeat(150) + ".txt", bytes("gnu"));
    }

    @Test
    void filesComeOutInOrderFromPlainAndGzippedArchives() throws IOException {
        for (byte[] archive : List.of(sample().tar(), sample().tgz())) {
            List<TarReader.Entry> entries = all(archive);
            assertEquals(List.of("jpg/one.txt", "jpg/empty", "jpg/block",
                    "a".repeat(60) + "/" + "b".repeat(60) + "/deep.txt", "c".repeat(150) + ".txt"),
                    entries.stream().map(TarReader.Entry::name).toList(), "the directory is skipped");
            assertArrayEquals(bytes("first"), entries.get(0).content());
            assertEquals(0, entries.get(1).content().length);
            assertArrayEquals(new byte[512], entries.get(2).content());
            assertArrayEquals(bytes("prefixed"), entries.get(3).content());
            assertArrayEquals(bytes("gnu"), entries.get(4).content());
        }
    }

    @Test
    void anArchiveWithoutItsEndBlocksEndsCleanlyAfterTheLastEntry() throws IOException {
        byte[] tar = new TarWriter().file("x", bytes("1")).tar();
        assertEquals(1, all(Arrays.copyOf(tar, tar.length - 1024)).size());
    }

    @Test
    void aTruncatedArchiveIsNamedWithTheOffset() throws IOException {
        byte[] tar = new TarWriter().file("x", new byte[2000]).tar();
        IOException e = assertThrows(IOException.class, () -> all(Arrays.copyOf(tar, 1000)));
        assertTrue(e.getMessage().contains("test.tgz ends at byte") && e.getMessage().contains("truncated"),
                e.getMessage());
        byte[] tgz = new TarWriter().file("x", TestJpegs.jpeg(TestJpegs.busy(64, 64))).tgz();
        e = assertThrows(IOException.class, () -> all(Arrays.copyOf(tgz, tgz.length / 2)));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aFileThatIsNoTarIsRefusedByItsHeaderChecksum() {
        byte[] junk = new byte[1024];
        Arrays.fill(junk, (byte) '7');
        IOException e = assertThrows(IOException.class, () -> all(junk));
        assertTrue(e.getMessage().contains("test.tgz") && e.getMessage().contains("not a tar archive"), e.getMessage());
        byte[] tar = new TarWriter().file("x", bytes("1")).tar();
        tar[0] = 'y'; // the stored checksum no longer matches
        e = assertThrows(IOException.class, () -> all(tar));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void anEmptyStreamHasNoEntries() throws IOException {
        try (TarReader tar = new TarReader(new ByteArrayInputStream(new byte[0]), "empty")) {
            assertNull(tar.next());
        }
    }
}
