package dev.flowmatching.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import tech.tablesaw.api.Table;

class EnvironmentReportTest {

    @Test
    void reportsVersionsDeviceAndThreads() {
        EnvironmentReport r = EnvironmentReport.collect("test kernel");
        Map<String, String> m = r.entries().stream()
                .collect(Collectors.toMap(EnvironmentReport.Entry::name, EnvironmentReport.Entry::value));
        assertEquals("0.36.0", m.get("DJL"));
        assertEquals("PyTorch 2.7.1", m.get("Engine"));
        assertEquals("test kernel", m.get("Kernel"));
        assertEquals("cpu()", m.get("Device"));
        assertEquals(System.getProperty("ai.djl.pytorch.num_threads"), m.get("Threads (intra-op)"));
        assertTrue(m.get("Java").contains(Runtime.version().toString()));
        Table t = r.table();
        assertEquals(r.entries().size(), t.rowCount());
        assertEquals("DJL", t.stringColumn("what").get(2));
    }

    @Test
    void unusedGpuIsWarnedAbout() {
        assertEquals(1, EnvironmentReport.warnings(2, 0).size());
        assertTrue(EnvironmentReport.warnings(2, 0).get(0).contains("./setup.sh --gpu"));
        assertTrue(EnvironmentReport.warnings(1, 1).isEmpty());
        assertTrue(EnvironmentReport.warnings(-1, 0).isEmpty(), "no nvidia-smi: nothing to warn about");
        assertTrue(EnvironmentReport.warnings(0, 0).isEmpty());
    }
}
