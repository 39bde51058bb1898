package dev.flowmatching.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchOfflineTest {

    /**
     * A fresh JVM with an empty DJL cache and no offline flag set by hand: the CPU flavour must unpack the
     * bundled libtorch, compute, and never open a network connection.
     */
    @Test
    void cpuFlavourStartsAndComputesWithoutNetwork(@TempDir Path cache) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                OfflineProbe.class.getName()));
        pb.environment().put("DJL_CACHE_DIR", cache.toString());
        pb.environment().put("ENGINE_CACHE_DIR", cache.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe did not finish: " + out);
        assertEquals(0, p.exitValue(), "probe failed:\n" + out);
        assertTrue(out.contains("offline=true"), out);
        assertTrue(out.contains("engine=PyTorch 2.7.1"), out);
        // [[1,2],[3,4]] x [[5,6],[7,8]] = [[19,22],[43,50]]
        assertTrue(out.contains("result=19.0,22.0,43.0,50.0"), out);
        try (var files = Files.walk(cache)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("libtorch_cpu.so")),
                    "libtorch was not unpacked into the fresh cache");
        }
    }

    @Test
    void defaultsUseAllCores() {
        Torch.engine();
        assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), System.getProperty(Torch.THREADS));
        assertTrue(Torch.bundledCpuLibtorch());
    }
}
